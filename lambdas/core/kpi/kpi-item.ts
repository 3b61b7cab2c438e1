import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { readItem, toAttributes } from '../storage/items';
import { KPI_SK, summaryPk } from '../storage/keys';
import type { Kpis } from './compute';

/** One patient-device's KPIs as stored (sk KPI, beside its day summaries). */
export interface StoredKpis extends Kpis {
  readonly patientId: string;
  readonly deviceId: string;
  /** When the reads they were computed from began (ms): they reflect every commit before it. */
  readonly computedAt: number;
}

export function kpiKey(patientId: string, deviceId: string): Record<string, AttributeValue> {
  return toAttributes({ pk: summaryPk(patientId, deviceId), sk: KPI_SK });
}

export function kpiItem(kpis: StoredKpis): Record<string, AttributeValue> {
  return {
    ...kpiKey(kpis.patientId, kpis.deviceId),
    // ahi and meanLeak are NULL when there is nothing to average (no therapy time, no leak value).
    ...toAttributes({
      patientId: kpis.patientId,
      deviceId: kpis.deviceId,
      asOf: kpis.asOf,
      windowStart: kpis.windowStart,
      usageDays: kpis.usageDays,
      compliancePct: kpis.compliancePct,
      avgUsageMinutes: kpis.avgUsageMinutes,
      ahi: kpis.ahi,
      meanLeak: kpis.meanLeak,
      alarms: kpis.alarms,
      events: kpis.events,
      computedAt: kpis.computedAt,
    }),
  };
}

export function kpisFromItem(item: Record<string, AttributeValue>): StoredKpis {
  const stored = readItem(item, 'a KPI item');
  const num = (name: string) => stored.optionalNumber(name) ?? 0;
  const str = (name: string) => stored.optionalString(name) ?? '';
  return {
    patientId: str('patientId'),
    deviceId: str('deviceId'),
    asOf: str('asOf'),
    windowStart: str('windowStart'),
    usageDays: num('usageDays'),
    compliancePct: num('compliancePct'),
    avgUsageMinutes: num('avgUsageMinutes'),
    ahi: stored.nullableNumber('ahi'),
    meanLeak: stored.nullableNumber('meanLeak'),
    alarms: num('alarms'),
    events: num('events'),
    computedAt: num('computedAt'),
  };
}
