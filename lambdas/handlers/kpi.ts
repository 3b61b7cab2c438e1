import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { KpiRecomputeBatch } from '../app/recompute-kpis';
import { DumpflowError } from '../core/errors';
import { scrubError } from '../core/scrub';
import { dayNumberFromDaySk, parseSummaryPk } from '../core/storage/keys';
import { dynamodb } from '../shared/clients';
import { config } from '../shared/config';
import { logger } from '../shared/observability';

/** Stream consumer, woken only by day summaries written or removed (see KPI_STREAM_FILTER_PATTERN). */
export const handler = async (
  event: DynamoDBStreamEvent,
  context: Context,
): Promise<DynamoDBBatchResponse> => {
  logger.addContext(context);
  const recomputes = new KpiRecomputeBatch({ dynamodb, tableName: config.tableName });
  // A written summary changes the KPIs; a removed one only when its day can be in the window.
  const recomputeFor = (record: DynamoDBRecord, pk: string) => {
    if (record.eventName !== 'REMOVE') return recomputes.recompute(pk);
    const dayNumber = dayNumberFromDaySk(record.dynamodb?.Keys?.['sk']?.S ?? '');
    if (dayNumber === undefined) {
      throw new DumpflowError(
        'E_STREAM_RECORD',
        "a removed item's sort key is not a day summary's (DAY#YYYY-MM-DD)",
      );
    }
    return recomputes.removed(pk, dayNumber);
  };
  const handleRecord = async (record: DynamoDBRecord): Promise<void> => {
    const pk = record.dynamodb?.Keys?.['pk']?.S;
    if (pk === undefined) throw new DumpflowError('E_STREAM_RECORD', 'stream record has no partition key');
    // The key holds the patient and device ids; a failed record's error is logged, so they are scrubbed.
    const ids = parseSummaryPk(pk);
    const result = await recomputeFor(record, pk).catch((error: unknown) => {
      throw scrubError(error, { identifiers: ids ? [pk, ids.patientId, ids.deviceId] : [pk] });
    });
    if (result)
      logger.debug('kpis recomputed', { readUnits: result.capacity.readUnits, asOf: result.kpis?.asOf });
  };
  return processPartialResponse(event, handleRecord, new BatchProcessor(EventType.DynamoDBStreams), {
    context,
  });
};
