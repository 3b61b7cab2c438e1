import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { conditionalWrite } from '../storage/conditions';
import { CapacityMeter, type CapacityTotals } from '../storage/capacity';
import { toAttributes } from '../storage/items';
import { DAY_SUMMARY_SORT_KEY_PREFIX } from '../storage/stream-filter';
import { daySk, summaryPk } from '../storage/keys';
import { queryItems } from '../storage/query';
import { daySummaryFromItem } from '../storage/summary';
import { computeKpis, WINDOW_DAYS, type DayKpiInputs, type Kpis } from './compute';
import { kpiItem } from './kpi-item';
import type { TableAccess } from '../storage/table-access';

export interface RecomputeKpisDeps extends TableAccess {
  /** Wall clock for computedAt. @default Date.now */
  readonly clock?: () => number;
}

export interface RecomputeKpisResult {
  /** Undefined when the patient/device has no stored day (nothing written). */
  readonly kpis?: Kpis;
  /** True when a recompute from newer summaries had already stored its KPIs (these were not written). */
  readonly superseded?: boolean;
  readonly capacity: CapacityTotals;
}

/**
 * Recomputes one (patient, device)'s KPIs from its day summaries and puts the KPI item
 * (sk KPI, which the stream filter ignores). Reads are strongly consistent and the result
 * depends only on the stored summaries, so a retried or repeated run writes the same KPIs.
 */
export async function recomputeKpis(
  deps: RecomputeKpisDeps,
  patientId: string,
  deviceId: string,
): Promise<RecomputeKpisResult> {
  const meter = deps.meter ?? new CapacityMeter();
  const before = meter.snapshot();
  const pk = summaryPk(patientId, deviceId);

  const latest = await deps.dynamodb.send(
    new QueryCommand({
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :day)',
      ExpressionAttributeValues: toAttributes({ ':pk': pk, ':day': DAY_SUMMARY_SORT_KEY_PREFIX }),
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  meter.record('read', latest.ConsumedCapacity);
  const newest = latest.Items?.[0];
  if (!newest) return { capacity: meter.since(before) };
  const asOf = daySummaryFromItem(newest).dayNumber;

  const days: DayKpiInputs[] = [];
  // What these KPIs reflect: the window's end and the sum of its summaries' versions. Both only
  // grow as commits land (a day's version counts its commits; a later asOf is a later state), so
  // the put below refuses to replace KPIs computed from a newer read.
  let versions = 0;
  const window = queryItems(
    deps.dynamodb,
    {
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: toAttributes({
        ':pk': pk,
        ':from': daySk(asOf - (WINDOW_DAYS - 1)),
        ':to': daySk(asOf),
      }),
      ConsistentRead: true,
    },
    meter,
  );
  for await (const item of window) {
    const summary = daySummaryFromItem(item);
    days.push({ dayNumber: summary.dayNumber, ...summary.inputs });
    versions += summary.version;
  }

  const kpis = computeKpis(days, asOf);
  // Two recomputes of one patient-device can overlap (a stream batch and the watchdog's repair,
  // or a retried batch): the one that read older summaries must not overwrite the other's KPIs.
  const put = await conditionalWrite(meter, () =>
    deps.dynamodb.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: {
          ...kpiItem({ ...kpis, patientId, deviceId, computedAt: (deps.clock ?? Date.now)() }),
          ...toAttributes({ basisDay: asOf, basisVersions: versions }),
        },
        ConditionExpression:
          'attribute_not_exists(basisDay) OR basisDay < :day OR (basisDay = :day AND basisVersions <= :versions)',
        ExpressionAttributeValues: toAttributes({ ':day': asOf, ':versions': versions }),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  );
  if (!put.written && !put.conditionFailed) throw put.error;
  return { kpis, superseded: !put.written, capacity: meter.since(before) };
}
