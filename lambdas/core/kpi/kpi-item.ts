import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { KPI_SK, summaryPk } from '../storage/keys';
import type { Kpis } from './compute';

/** One patient-device's KPIs as stored (sk KPI, beside its day summaries). */
export interface StoredKpis extends Kpis {
  readonly patientId: string;
  readonly deviceId: string;
  /** When the KPI function computed them (ms). */
  readonly computedAt: number;
}

const n = (value: number): AttributeValue => ({ N: String(value) });
const nullable = (value: number | null): AttributeValue => (value === null ? { NULL: true } : n(value));

export function kpiKey(patientId: string, deviceId: string): Record<string, AttributeValue> {
  return { pk: { S: summaryPk(patientId, deviceId) }, sk: { S: KPI_SK } };
}

export function kpiItem(kpis: StoredKpis): Record<string, AttributeValue> {
  return {
    ...kpiKey(kpis.patientId, kpis.deviceId),
    patientId: { S: kpis.patientId },
    deviceId: { S: kpis.deviceId },
    asOf: { S: kpis.asOf },
    windowStart: { S: kpis.windowStart },
    usageDays: n(kpis.usageDays),
    compliancePct: n(kpis.compliancePct),
    avgUsageMinutes: n(kpis.avgUsageMinutes),
    ahi: nullable(kpis.ahi),
    meanLeak: nullable(kpis.meanLeak),
    alarms: n(kpis.alarms),
    events: n(kpis.events),
    computedAt: n(kpis.computedAt),
  };
}

export function kpisFromItem(item: Record<string, AttributeValue>): StoredKpis {
  const num = (name: string) => Number(item[name]?.N ?? 0);
  const orNull = (name: string) => (item[name]?.N === undefined ? null : Number(item[name]?.N));
  return {
    patientId: item['patientId']?.S ?? '',
    deviceId: item['deviceId']?.S ?? '',
    asOf: item['asOf']?.S ?? '',
    windowStart: item['windowStart']?.S ?? '',
    usageDays: num('usageDays'),
    compliancePct: num('compliancePct'),
    avgUsageMinutes: num('avgUsageMinutes'),
    ahi: orNull('ahi'),
    meanLeak: orNull('meanLeak'),
    alarms: num('alarms'),
    events: num('events'),
    computedAt: num('computedAt'),
  };
}
