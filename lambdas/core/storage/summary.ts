import type { AttributeValue, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import { EventType } from '../dump/types';
import { formatScaledSum, parseScaledSum, scaledDouble } from '../kpi/exact-sum';
import { emptyFingerprint, fingerprintFromHex, fingerprintToHex, type Fingerprint } from './fingerprint';
import { readItem, toAttributes } from './items';
import { dayTtl, daySk, summaryPk } from './keys';
import { DAY_SUMMARY_SORT_KEY_PREFIX } from './stream-filter';

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

export function daySummaryItem(summary: DaySummary): Record<string, AttributeValue> {
  const { inputs } = summary;
  return toAttributes({
    pk: summaryPk(summary.patientId, summary.deviceId),
    sk: daySk(summary.dayNumber),
    patientId: summary.patientId,
    deviceId: summary.deviceId,
    dayNumber: summary.dayNumber,
    version: summary.version,
    generation: summary.generation,
    pages: summary.pages,
    salts: summary.salts,
    count: inputs.events,
    fp: fingerprintToHex(summary.fingerprint),
    therapySeconds: inputs.therapySeconds,
    apneaHypopnea: inputs.apneaHypopnea,
    // Text, not N: the exact sum is a big integer (kpi/exact-sum.ts) past any double.
    leakSum: formatScaledSum(inputs.leakSum),
    leakCount: inputs.leakCount,
    alarms: inputs.alarms,
    ttl: dayTtl(summary.dayNumber),
  });
}

/** Every attribute is required: a summary missing one throws StoredItemError rather than read as zero. */
export function daySummaryFromItem(item: Record<string, AttributeValue>): DaySummary {
  const unnamed = readItem(item, 'a day summary');
  const stored = unnamed.named(`day summary ${unnamed.optionalString('sk')}`);
  return {
    patientId: stored.string('patientId'),
    deviceId: stored.string('deviceId'),
    dayNumber: stored.number('dayNumber'),
    version: stored.number('version'),
    generation: stored.string('generation'),
    pages: stored.number('pages'),
    salts: stored.number('salts'),
    fingerprint: fingerprintFromHex(stored.string('fp')),
    inputs: {
      events: stored.number('count'),
      therapySeconds: stored.number('therapySeconds'),
      apneaHypopnea: stored.number('apneaHypopnea'),
      leakSum: parseScaledSum(stored.string('leakSum')),
      leakCount: stored.number('leakCount'),
      alarms: stored.number('alarms'),
    },
  };
}

/** One patient-device's days, both ends included. */
export interface DayRange {
  readonly patientId: string;
  readonly deviceId: string;
  /** First UTC day number, included. @default the first stored day */
  readonly fromDay?: number;
  /** Last UTC day number, included. @default the last stored day */
  readonly toDay?: number;
}

/**
 * The Query of a range's day summaries, in day order, strongly consistent: every caller decides
 * from what it reads (settle, the KPI window, a removed day's check, read-back).
 */
export function daySummaryQuery(tableName: string, range: DayRange): QueryCommandInput {
  // DAY#~~ sorts after every day label (years past 9999 start with '~', keys.dayLabel), so the
  // open ends of a range are the prefix itself and that.
  const from = range.fromDay === undefined ? DAY_SUMMARY_SORT_KEY_PREFIX : daySk(range.fromDay);
  const to = range.toDay === undefined ? `${DAY_SUMMARY_SORT_KEY_PREFIX}~~` : daySk(range.toDay);
  return {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: toAttributes({
      ':pk': summaryPk(range.patientId, range.deviceId),
      ':from': from,
      ':to': to,
    }),
    ConsistentRead: true,
  };
}
