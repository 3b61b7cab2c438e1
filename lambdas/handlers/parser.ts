import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseDump } from '../app/parse-dump';
import { objectsFromNotification } from '../app/s3-notification';
import { publishCompletion } from '../app/completion-metrics';
import { dynamodb, s3, sqs } from '../shared/clients';
import { scrubError } from '../core/scrub';
import { config } from '../shared/config';
import { logger, metrics } from '../shared/observability';
import { METRIC_NAMES } from '../shared/metric-names';

// A failed record's error is logged by Lambda and the batch utility: no object key may be in it.
async function handleNotification(record: SQSRecord): Promise<void> {
  try {
    await parseNotification(record);
  } catch (error) {
    throw scrubError(error, { prefixes: [config.uploadKeys.incomingPrefix, config.rejectedPrefix] });
  }
}

async function parseNotification(record: SQSRecord): Promise<void> {
  for (const object of objectsFromNotification(record.body)) {
    const deps = {
      s3,
      sqs,
      dynamodb,
      tableName: config.tableName,
      fanoutQueueUrl: config.fanoutQueueUrl,
      rejectedPrefix: config.rejectedPrefix,
      stagingPrefix: config.stagingPrefix,
      uploadKeys: config.uploadKeys,
      processingTime: config.processingTime,
      watch: config.watch,
    };
    const result = await parseDump(deps, object);
    logger.appendKeys({ dumpId: result.dumpId });
    if (result.kind === 'rejected') {
      if (result.firstTime) metrics.addMetric(METRIC_NAMES.dumpsRejected, MetricUnit.Count, 1);
      logger.warn('dump rejected', { code: result.code });
    } else if (result.kind === 'fanned-out') {
      if (!result.redrive) metrics.addMetric(METRIC_NAMES.dumpsReceived, MetricUnit.Count, 1);
      if (result.completion) publishCompletion(result.completion);
      logger.info('dump fanned out', {
        records: result.records,
        settledDays: result.settledDays,
        chunksSent: result.chunksSent,
        readUnits: result.capacity.readUnits,
        writeUnits: result.capacity.writeUnits,
      });
    } else {
      logger.info('dump already finished; notification ignored');
    }
    logger.removeKeys(['dumpId']);
  }
}

// A processor per invocation: it holds the batch's state, and nothing about one batch may leak into the next.
/** Dump queue consumer: one S3 notification per record; failed records return to the queue. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  try {
    return await processPartialResponse(event, handleNotification, new BatchProcessor(EventType.SQS), {
      context,
    });
  } finally {
    metrics.publishStoredMetrics();
  }
};
