import type {
  DayGroup,
  DecodedDump,
  DumpEvent,
  EventColumns,
  RejectedRecordCounts,
} from '../../lambdas/core/dump/types';
import { EventType } from '../../lambdas/core/dump/types';
import { formatDay } from '../../lambdas/core/dump/days';

export const MS_PER_DAY = 86_400_000;

/** 2024-03-01T00:00:00Z as a day number; a fixed base keeps tests deterministic. */
export const BASE_DAY = 19_783;

/** ms timestamp of (dayNumber, msOfDay). */
export function at(dayNumber: number, msOfDay = 0): number {
  return dayNumber * MS_PER_DAY + msOfDay;
}

let seqCounter = 0;

/** One event with sensible defaults (a PRESSURE reading). */
export function event(overrides: Partial<DumpEvent> = {}): DumpEvent {
  return {
    timestamp: overrides.timestamp ?? at(BASE_DAY, 3_600_000),
    seq: overrides.seq ?? seqCounter++,
    type: overrides.type ?? EventType.PRESSURE,
    flags: overrides.flags ?? 0,
    value: overrides.value ?? 10.5,
    duration: overrides.duration ?? 0,
  };
}

/** Columnar EventColumns (as the codec produces) from plain events, in the given order. */
export function toColumns(events: readonly DumpEvent[]): EventColumns {
  const n = events.length;
  const columns = {
    length: n,
    timestamp: new Float64Array(n),
    dayNumber: new Float64Array(n),
    msOfDay: new Uint32Array(n),
    seq: new Uint32Array(n),
    type: new Uint16Array(n),
    flags: new Uint16Array(n),
    value: new Float64Array(n),
    duration: new Uint32Array(n),
  };
  events.forEach((e, i) => {
    const day = Math.floor(e.timestamp / MS_PER_DAY);
    columns.timestamp[i] = e.timestamp;
    columns.dayNumber[i] = day;
    columns.msOfDay[i] = e.timestamp - day * MS_PER_DAY;
    columns.seq[i] = e.seq;
    columns.type[i] = e.type;
    columns.flags[i] = e.flags;
    columns.value[i] = e.value;
    columns.duration[i] = e.duration;
  });
  return columns;
}

function groupDays(columns: EventColumns): DayGroup[] {
  const byDay = new Map<number, number[]>();
  for (let i = 0; i < columns.length; i++) {
    const day = columns.dayNumber[i]!;
    const list = byDay.get(day) ?? [];
    list.push(i);
    byDay.set(day, list);
  }
  return [...byDay.entries()]
    .sort(([a], [b]) => a - b)
    .map(([dayNumber, indices]) => ({
      dayNumber,
      day: formatDay(dayNumber),
      indices: Uint32Array.from(indices),
    }));
}

export interface DumpOptions {
  readonly patientId?: string;
  readonly deviceId?: string;
  readonly createdAt?: number;
  /** Records the codec rejected (they are not in `events`). */
  readonly rejected?: Partial<RejectedRecordCounts>;
}

/** A DecodedDump of valid events (what decodeDump returns), without going through bytes. */
export function decodedDump(events: readonly DumpEvent[], options: DumpOptions = {}): DecodedDump {
  const columns = toColumns(events);
  const rejectedRecords: RejectedRecordCounts = {
    R_TIME_RANGE: options.rejected?.R_TIME_RANGE ?? 0,
    R_VALUE: options.rejected?.R_VALUE ?? 0,
  };
  const createdAt = options.createdAt ?? Math.max(at(BASE_DAY + 1), ...events.map((e) => e.timestamp));
  const createdAtDayNumber = Math.floor(createdAt / MS_PER_DAY);
  return {
    header: {
      version: 1,
      headerSize: 64,
      recordSize: 32,
      flags: 0,
      recordCount: events.length + rejectedRecords.R_TIME_RANGE + rejectedRecords.R_VALUE,
      deviceId: options.deviceId ?? 'DEV-1',
      patientId: options.patientId ?? 'PAT-1',
      createdAt,
      createdAtDayNumber,
      createdAtMsOfDay: createdAt - createdAtDayNumber * MS_PER_DAY,
      firmware: 1,
    },
    events: columns,
    rejectedRecords,
    days: groupDays(columns),
  };
}

/** A small deterministic PRNG (mulberry32) so generated data is reproducible from a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DayEventsOptions {
  /** Events per day. @default 50 */
  readonly perDay?: number;
  readonly random?: () => number;
  /** First seq; days continue the sequence. @default 0 */
  readonly firstSeq?: number;
}

/**
 * Realistic-looking events for consecutive days: a therapy session (sometimes over 4 h), apneas,
 * hypopneas, leak readings with arbitrary doubles, alarms, pressure, unknown types; time-ordered.
 */
export function dayEvents(firstDay: number, days: number, options: DayEventsOptions = {}): DumpEvent[] {
  const random = options.random ?? seededRandom(1);
  const perDay = Math.max(1, options.perDay ?? 50);
  let seq = options.firstSeq ?? 0;
  const events: DumpEvent[] = [];
  const types = [
    EventType.APNEA,
    EventType.HYPOPNEA,
    EventType.LEAK,
    EventType.LEAK,
    EventType.PRESSURE,
    EventType.SPO2,
    EventType.ALARM,
    EventType.POWER_ON,
    EventType.HUMIDIFIER,
    42,
  ];
  for (let d = 0; d < days; d++) {
    const day = firstDay + d;
    const step = Math.floor(MS_PER_DAY / (perDay + 1));
    for (let k = 0; k < perDay; k++) {
      const timestamp = at(day, k * step + Math.floor(random() * step));
      const type = k === 0 ? EventType.THERAPY_SESSION : types[Math.floor(random() * types.length)]!;
      const value =
        type === EventType.LEAK
          ? random() * 60 - 5
          : type === EventType.THERAPY_SESSION
            ? 8 + random() * 4
            : Math.round(random() * 100);
      const duration =
        type === EventType.THERAPY_SESSION
          ? Math.floor(random() * 30_000)
          : type === EventType.APNEA || type === EventType.HYPOPNEA
            ? 10 + Math.floor(random() * 30)
            : 0;
      events.push({ timestamp, seq: seq++ >>> 0, type, flags: Math.floor(random() * 4), value, duration });
    }
  }
  return events;
}
