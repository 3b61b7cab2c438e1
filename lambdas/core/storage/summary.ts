import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { EventType } from '../dump/types';
import { formatScaledSum, parseScaledSum, scaledDouble } from '../kpi/exact-sum';
import { StoredItemError } from './errors';
import { emptyFingerprint, fingerprintFromHex, fingerprintToHex, type Fingerprint } from './fingerprint';
import { dayTtl, daySk, summaryPk } from './keys';

/** What the KPIs need from one device-day, summed over its stored events. */
export interface KpiInputs {
  /** Sum of THERAPY_SESSION durations, seconds. */
  therapySeconds: number;
  /** APNEA + HYPOPNEA events. */
  apneaHypopnea: number;
  /** Exact sum of LEAK values x 2^1074 (see kpi/exact-sum). */
  leakSum: bigint;
  leakCount: number;
  alarms: number;
  /** All stored events, unknown types included. */
  events: number;
}

export function emptyKpiInputs(): KpiInputs {
  return { therapySeconds: 0, apneaHypopnea: 0, leakSum: 0n, leakCount: 0, alarms: 0, events: 0 };
}

/** Adds one stored event's contribution, in place. */
export function addEventToKpiInputs(inputs: KpiInputs, type: number, value: number, duration: number): void {
  inputs.events++;
  switch (type) {
    case EventType.THERAPY_SESSION:
      inputs.therapySeconds += duration;
      break;
    case EventType.APNEA:
    case EventType.HYPOPNEA:
      inputs.apneaHypopnea++;
      break;
    case EventType.LEAK:
      inputs.leakSum += scaledDouble(value);
      inputs.leakCount++;
      break;
    case EventType.ALARM:
      inputs.alarms++;
      break;
  }
}

export function addKpiInputs(target: KpiInputs, other: KpiInputs): void {
  target.therapySeconds += other.therapySeconds;
  target.apneaHypopnea += other.apneaHypopnea;
  target.leakSum += other.leakSum;
  target.leakCount += other.leakCount;
  target.alarms += other.alarms;
  target.events += other.events;
}

/**
 * One device-day's summary item (sk DAY#...). `count` (= inputs.events) and `fingerprint`
 * describe exactly the set of stored (identity, content) pairs; `version` counts commits and
 * guards them (optimistic concurrency). The stored events themselves are pages 1..`pages` of
 * `generation`, spread over `salts` partitions (keys.pagePk), each written in the commit that
 * moved the summary past it.
 */
export interface DaySummary {
  readonly patientId: string;
  readonly deviceId: string;
  readonly dayNumber: number;
  readonly version: number;
  /** Fixed when the summary is created ('' before): names this day's pages (keys.pageSk). */
  readonly generation: string;
  /** Event pages committed so far. */
  readonly pages: number;
  /** Partitions the generation's pages are spread over (SALT_BUCKETS when it was created). */
  readonly salts: number;
  readonly fingerprint: Fingerprint;
  readonly inputs: KpiInputs;
}

export function emptyDaySummary(patientId: string, deviceId: string, dayNumber: number): DaySummary {
  return {
    patientId,
    deviceId,
    dayNumber,
    version: 0,
    generation: '',
    pages: 0,
    salts: 1,
    fingerprint: emptyFingerprint(),
    inputs: emptyKpiInputs(),
  };
}

const n = (value: number): AttributeValue => ({ N: String(value) });

export function daySummaryItem(summary: DaySummary): Record<string, AttributeValue> {
  const { inputs } = summary;
  return {
    pk: { S: summaryPk(summary.patientId, summary.deviceId) },
    sk: { S: daySk(summary.dayNumber) },
    patientId: { S: summary.patientId },
    deviceId: { S: summary.deviceId },
    dayNumber: n(summary.dayNumber),
    version: n(summary.version),
    generation: { S: summary.generation },
    pages: n(summary.pages),
    salts: n(summary.salts),
    count: n(inputs.events),
    fp: { S: fingerprintToHex(summary.fingerprint) },
    therapySeconds: n(inputs.therapySeconds),
    apneaHypopnea: n(inputs.apneaHypopnea),
    leakSum: { S: formatScaledSum(inputs.leakSum) },
    leakCount: n(inputs.leakCount),
    alarms: n(inputs.alarms),
    ttl: n(dayTtl(summary.dayNumber)),
  };
}

function num(item: Record<string, AttributeValue>, name: string): number {
  const raw = item[name]?.N;
  const value = raw === undefined ? NaN : Number(raw);
  if (!Number.isFinite(value))
    throw new StoredItemError(`day summary ${item['sk']?.S} has no number "${name}"`);
  return value;
}

function str(item: Record<string, AttributeValue>, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new StoredItemError(`day summary ${item['sk']?.S} has no string "${name}"`);
  return value;
}

export function daySummaryFromItem(item: Record<string, AttributeValue>): DaySummary {
  return {
    patientId: str(item, 'patientId'),
    deviceId: str(item, 'deviceId'),
    dayNumber: num(item, 'dayNumber'),
    version: num(item, 'version'),
    generation: str(item, 'generation'),
    pages: num(item, 'pages'),
    salts: num(item, 'salts'),
    fingerprint: fingerprintFromHex(str(item, 'fp')),
    inputs: {
      events: num(item, 'count'),
      therapySeconds: num(item, 'therapySeconds'),
      apneaHypopnea: num(item, 'apneaHypopnea'),
      leakSum: parseScaledSum(str(item, 'leakSum')),
      leakCount: num(item, 'leakCount'),
      alarms: num(item, 'alarms'),
    },
  };
}
