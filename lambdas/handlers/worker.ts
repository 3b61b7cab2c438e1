import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { publishCompletion } from '../app/completion-metrics';
import { processChunk } from '../app/process-chunk';
import { dynamodb } from '../shared/clients';
import { config } from '../shared/config';
import { logger, metrics } from '../shared/observability';

async function handleChunk(record: SQSRecord): Promise<void> {
  const result = await processChunk(
    {
      dynamodb,
      tableName: config.tableName,
      saltBuckets: config.saltBuckets,
      dayLeaseMs: config.dayLeaseMs,
      watch: config.watch,
    },
    record.body,
  );
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

/** Fan-out queue consumer: one device-day chunk per record; failed chunks return to the queue. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  try {
    return await processPartialResponse(event, handleChunk, new BatchProcessor(EventType.SQS), { context });
  } finally {
    metrics.publishStoredMetrics();
  }
};
