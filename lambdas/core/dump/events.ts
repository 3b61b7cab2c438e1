import { formatInstant, MS_PER_DAY } from './days';
import type { DumpEvent, EventColumns } from './types';

/**
 * Per-event helpers over EventColumns for code that handles one event at a time (storage keys,
 * dedupe, tests). The hot decode path never calls these.
 *
 * Identity. The spec's event identity is (patientId, deviceId, timestamp, seq, type). Within one
 * device-day, patientId, deviceId and dayNumber are shared, so what is left is exact and small:
 * (msOfDay < 86,400,000, seq < 2^32, type < 2^16).
 */

// Lookup tables instead of toString/padStart: a 1.1-million-event dump builds over a million keys,
// and this is about three times faster.
const HEX2 = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const DEC4 = Array.from({ length: 10_000 }, (_, n) => String(n).padStart(4, '0'));

function hex16(value: number): string {
  return HEX2[value >>> 8]! + HEX2[value & 0xff]!;
}

function hex32(value: number): string {
  return (
    HEX2[value >>> 24]! + HEX2[(value >>> 16) & 0xff]! + HEX2[(value >>> 8) & 0xff]! + HEX2[value & 0xff]!
  );
}

/**
 * Fixed-width (22 characters) identity of event `i` within its device-day:
 * `MMMMMMMM-SSSSSSSS-TTTT` = msOfDay as 8 decimal digits, seq as 8 hex digits, type as 4 hex
 * digits (lower case). Equal keys on the same (patientId, deviceId, dayNumber) mean the same event;
 * keys sort in time order, then seq, then type.
 */
export function identityKey(events: Pick<EventColumns, 'msOfDay' | 'seq' | 'type'>, i: number): string {
  const ms = events.msOfDay[i]!;
  const high = Math.floor(ms / 10_000);
  return `${DEC4[high]!}${DEC4[ms - high * 10_000]!}-${hex32(events.seq[i]!)}-${hex16(events.type[i]!)}`;
}

const valueBits = new Float64Array(1);
const valueWords = new Uint32Array(valueBits.buffer);
// Print the high word first on either host byte order, so the text is the u64 bit pattern.
const HIGH_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * Fixed-width (28 hex digits) form of the bytes the spec compares for conflicts, exactly:
 * flags (4), value's IEEE-754 bits (16, so -0 differs from 0), duration (8).
 */
export function contentKey(events: EventColumns, i: number): string {
  valueBits[0] = events.value[i]!;
  return (
    hex16(events.flags[i]!) +
    hex32(valueWords[HIGH_WORD]!) +
    hex32(valueWords[1 - HIGH_WORD]!) +
    hex32(events.duration[i]!)
  );
}

/** Exact u64 timestamp of event `i` (the Float64 `timestamp` column rounds above 2^53). */
export function exactTimestamp(events: EventColumns, i: number): bigint {
  return BigInt(events.dayNumber[i]!) * BigInt(MS_PER_DAY) + BigInt(events.msOfDay[i]!);
}

/** ISO 8601 time of event `i`, extended beyond Date's range rather than throwing. */
export function eventTimeIso(events: EventColumns, i: number): string {
  return formatInstant(events.dayNumber[i]!, events.msOfDay[i]!);
}

/** Event `i` as a plain object (timestamp rounded above 2^53; see exactTimestamp). */
export function eventAt(events: EventColumns, i: number): DumpEvent {
  return {
    timestamp: events.timestamp[i]!,
    seq: events.seq[i]!,
    type: events.type[i]!,
    flags: events.flags[i]!,
    value: events.value[i]!,
    duration: events.duration[i]!,
  };
}

/** All events as plain objects, in file order; or only those at `indices` (e.g. one DayGroup). */
export function toDumpEvents(events: EventColumns, indices?: ArrayLike<number>): DumpEvent[] {
  if (indices === undefined) return Array.from({ length: events.length }, (_, i) => eventAt(events, i));
  return Array.from(indices, (i) => eventAt(events, i));
}
