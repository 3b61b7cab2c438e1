import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { CapacityMeter } from '../storage/capacity';
import { daySummaryQuery } from '../storage/summary';
import type { TableAccess } from '../storage/table-access';
import { WINDOW_DAYS } from './compute';

/**
 * Whether a day summary that TTL removed can have been in its patient-device's KPI window, so its
 * KPIs must be recomputed. The window is the 45 days ending on the newest stored day: a stored
 * summary more than 44 days newer than the removed day means no window holds it, now or later
 * (a summary committed after this read wakes a recompute of its own, which begins after it).
 * One strongly consistent Query of at most one item, so a day expiring 400 days after it was
 * written costs a read unit, not a recompute, for every device still in use.
 */
export async function mayBeInKpiWindow(
  deps: TableAccess,
  patientId: string,
  deviceId: string,
  removedDay: number,
): Promise<boolean> {
  const meter = deps.meter ?? new CapacityMeter();
  const newer = await deps.dynamodb.send(
    new QueryCommand({
      ...daySummaryQuery(deps.tableName, { patientId, deviceId, fromDay: removedDay + WINDOW_DAYS }),
      ProjectionExpression: 'sk',
      Limit: 1,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  meter.record('read', newer.ConsumedCapacity);
  return (newer.Items ?? []).length === 0;
}
