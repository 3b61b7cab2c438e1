import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { conditionalWrite } from '../storage/conditions';
import { CapacityMeter, type CapacityTotals } from '../storage/capacity';
import { toAttributes } from '../storage/items';
import { queryItems } from '../storage/query';
import { daySummaryFromItem, daySummaryQuery } from '../storage/summary';
import { computeKpis, WINDOW_DAYS, type DayKpiInputs, type Kpis } from './compute';
import { kpiItem } from './kpi-item';
import { dayTtl } from '../storage/keys';
import type { TableAccess } from '../storage/table-access';

export interface RecomputeKpisOptions {
  /**
   * Only replace stored KPIs, never create them: for a recompute a removal woke. A removal is
   * TTL's or an erase's, and an erase deletes the KPI item after the summaries; a recompute from
   * the summaries not deleted yet must not bring the KPIs back. @default false
   */
  readonly replaceOnly?: boolean;
}

export interface RecomputeKpisDeps extends TableAccess {
  /** Wall clock: computedAt is when the reads began. @default Date.now */
  readonly clock?: () => number;
}

export interface RecomputeKpisResult {
  /** Undefined when the patient/device has no stored day (nothing is written). */
  readonly kpis?: Kpis;
  /** True when a recompute from newer summaries had already stored its KPIs (these were not written). */
  readonly superseded?: boolean;
  readonly capacity: CapacityTotals;
}

/**
 * Recomputes one (patient, device)'s KPIs from its day summaries and puts the KPI item (sk KPI,
 * which the stream filter ignores), with the TTL of its newest day. Reads are strongly consistent
 * and the result depends only on the stored summaries, so a retried or repeated run writes the
 * same KPIs.
 *
 * Which of two overlapping recomputes (a stream batch and the watchdog's repair, a retried batch,
 * the recompute after a TTL deletion) may write: the one whose reads began later. computedAt is
 * that instant, and the put is conditional on the stored computedAt not being later. Every change
 * to the summaries (a commit, or TTL deleting a day in the window) is followed by a recompute
 * that begins after it (the stream record, else the watchdog), so while a day of the window is
 * stored the KPIs that stay were read after the last change; once none is, the KPI item's own TTL
 * (its newest day's) lets it go. Nothing here deletes: a delete would also remove the computedAt
 * an older put still in flight is checked against. Versions cannot order reads: TTL removes
 * summaries, so a newer read can hold fewer versions. Clocks of two executions differ by far less
 * than a stream delivery takes.
 */
export async function recomputeKpis(
  deps: RecomputeKpisDeps,
  patientId: string,
  deviceId: string,
  options: RecomputeKpisOptions = {},
): Promise<RecomputeKpisResult> {
  const meter = deps.meter ?? new CapacityMeter();
  const before = meter.snapshot();
  const computedAt = (deps.clock ?? Date.now)();

  const latest = await deps.dynamodb.send(
    new QueryCommand({
      ...daySummaryQuery(deps.tableName, { patientId, deviceId }),
      ScanIndexForward: false,
      Limit: 1,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  meter.record('read', latest.ConsumedCapacity);
  const newest = latest.Items?.[0];
  if (!newest) return { capacity: meter.since(before) };
  const asOf = daySummaryFromItem(newest).dayNumber;

  const days: DayKpiInputs[] = [];
  const window = queryItems(
    deps.dynamodb,
    daySummaryQuery(deps.tableName, { patientId, deviceId, fromDay: asOf - (WINDOW_DAYS - 1), toDay: asOf }),
    meter,
  );
  for await (const item of window) {
    const summary = daySummaryFromItem(item);
    days.push({ dayNumber: summary.dayNumber, ...summary.inputs });
  }

  const kpis = computeKpis(days, asOf);
  const put = await conditionalWrite(meter, () =>
    deps.dynamodb.send(
      new PutItemCommand({
        TableName: deps.tableName,
        // The KPIs live as long as their newest day: once TTL may remove every day of the window,
        // it may remove them too, whichever recompute wrote them last.
        Item: {
          ...kpiItem({ ...kpis, patientId, deviceId, computedAt }),
          ...toAttributes({ ttl: dayTtl(asOf) }),
        },
        ConditionExpression: options.replaceOnly
          ? 'attribute_exists(computedAt) AND computedAt <= :at'
          : 'attribute_not_exists(computedAt) OR computedAt <= :at',
        ExpressionAttributeValues: toAttributes({ ':at': computedAt }),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  );
  if (!put.written && !put.conditionFailed) throw put.error;
  return { kpis, superseded: !put.written, capacity: meter.since(before) };
}
