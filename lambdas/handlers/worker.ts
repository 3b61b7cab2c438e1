import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { publishCompletion } from '../app/completion-metrics';
import { writeChunks } from '../app/write-chunks';
import { dynamodb, s3, sqs } from '../shared/clients';
import { scrubError } from '../core/scrub';
import { config } from '../shared/config';
import { logger, metrics } from '../shared/observability';

// A failed record's error is logged by Lambda and the batch utility: table keys name patients.
async function handleMessage(record: SQSRecord, context?: Context): Promise<void> {
  try {
    await processMessage(record, context);
  } catch (error) {
    throw scrubError(error, {});
  }
}

async function processMessage(record: SQSRecord, context?: Context): Promise<void> {
  const { results, handedOn } = await writeChunks(
    {
      dynamodb,
      s3,
      sqs,
      fanoutQueueUrl: config.fanoutQueueUrl,
      tableName: config.tableName,
      saltBuckets: config.saltBuckets,
      dayLeaseMs: config.dayLeaseMs,
      watch: config.watch,
      ...(context ? { timeLeft: () => context.getRemainingTimeInMillis() } : {}),
    },
    record.body,
  );
  for (const result of results) {
    logger.info('chunk processed', {
      dumpId: result.dumpId,
      chunkId: result.chunkId,
      alreadyCommitted: result.alreadyCommitted,
      stored: result.outcome.stored,
      duplicates: result.outcome.duplicates,
      conflicts: result.outcome.conflicts,
      readUnits: result.capacity.readUnits,
      writeUnits: result.capacity.writeUnits,
    });
    if (result.completion) {
      publishCompletion(result.completion);
      logger.info('dump complete', { dumpId: result.dumpId, latencyMs: result.completion.latencyMs });
    }
  }
  if (handedOn > 0) logger.info('dense day handed on', { dumpId: results[0]?.dumpId, parts: handedOn });
}

/**
 * Fan-out queue consumer: one device-day chunk per record, or a dense day staged in S3; failed
 * records return to the queue.
 */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  try {
    return await processPartialResponse(event, handleMessage, new BatchProcessor(EventType.SQS), {
      context,
    });
  } finally {
    metrics.publishStoredMetrics();
  }
};
