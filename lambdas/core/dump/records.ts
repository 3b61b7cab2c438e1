import type { CheckedDump } from './header';
import { MAX_TIMESTAMP_AFTER_CREATED, MIN_TIMESTAMP, R, SAFE_HI, TWO_POW_32 } from './layout';
import type { EventColumns, RejectedRecordCounts } from './types';

export interface DecodedRecords {
  readonly events: EventColumns;
  readonly rejectedRecords: RejectedRecordCounts;
  /** Smallest and largest dayNumber among valid events (NaN when there are none). */
  readonly minDay: number;
  readonly maxDay: number;
}

// Imported bindings compile to getter calls under CommonJS transpilers; the hot loop reads these locals instead.
const MIN_HI = Math.floor(MIN_TIMESTAMP / TWO_POW_32);
const MIN_LO = MIN_TIMESTAMP % TWO_POW_32;
const MS_PER_DAY = 86_400_000;
const WORD = TWO_POW_32;
const HUGE_HI = SAFE_HI;
const AFTER_CREATED = MAX_TIMESTAMP_AFTER_CREATED;
const TS_LO = R.timestamp;
const TS_HI = R.timestamp + 4;
const SEQ = R.seq;
const TYPE = R.type;
const FLAGS = R.flags;
const VALUE = R.value;
const DURATION = R.duration;

/** Allocates every column for `capacity` events; `length` is the number actually filled. */
function allocateColumns(capacity: number) {
  return {
    timestamp: new Float64Array(capacity),
    dayNumber: new Float64Array(capacity),
    msOfDay: new Uint32Array(capacity),
    seq: new Uint32Array(capacity),
    type: new Uint16Array(capacity),
    flags: new Uint16Array(capacity),
    value: new Float64Array(capacity),
    duration: new Uint32Array(capacity),
  };
}

/** Exact day/ms split of a timestamp at or above 2^53: rare (createdAt is huge), so BigInt is fine here. */
function splitHuge(hi: number, lo: number, out: Float64Array): void {
  const t = (BigInt(hi) << 32n) | BigInt(lo);
  out[0] = Number(t / 86_400_000n);
  out[1] = Number(t % 86_400_000n);
}

/**
 * Reads the first 32 bytes of every record, applies the record rules in the spec's order
 * (R_TIME_RANGE, then R_VALUE) and fills the columns with the valid events in file order.
 *
 * u64 timestamps are compared as (hi, lo) 32-bit words against the exact bounds, because
 * createdAt + 1 day may be any value up to 2^64 + 86,399,999 and doubles lose precision above 2^53.
 */
export function decodeRecords(bytes: Uint8Array, checked: CheckedDump): DecodedRecords {
  const { recordCount, recordSize } = checked.header;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cols = allocateColumns(recordCount);
  const { timestamp, dayNumber, msOfDay, seq, type, flags, value, duration } = cols;

  // Upper bound createdAt + 86,400,000 as (maxHi, maxLo); maxHi may reach 2^32, which a double holds fine.
  const sumLo = checked.createdAtLo + AFTER_CREATED;
  const carry = sumLo >= WORD ? 1 : 0;
  const maxLo = sumLo - carry * WORD;
  const maxHi = checked.createdAtHi + carry;

  const huge = new Float64Array(2);
  let timeRange = 0;
  let badValue = 0;
  let n = 0;
  let minDay = Infinity;
  let maxDay = -Infinity;
  let offset = checked.bodyStart;
  for (let r = 0; r < recordCount; r++, offset += recordSize) {
    const lo = view.getUint32(offset + TS_LO, true);
    const hi = view.getUint32(offset + TS_HI, true);
    if (hi < MIN_HI || (hi === MIN_HI && lo < MIN_LO) || hi > maxHi || (hi === maxHi && lo > maxLo)) {
      timeRange++;
      continue;
    }
    const v = view.getFloat64(offset + VALUE, true);
    // Only NaN and +-Infinity give a non-zero (NaN) difference.
    if (v - v !== 0) {
      badValue++;
      continue;
    }
    let day: number;
    let ms: number;
    const ts = hi * WORD + lo;
    if (hi < HUGE_HI) {
      // Below 2^53 the rounded quotient can be off by one at most; the remainder test corrects it
      // exactly (day * MS_PER_DAY and ts - that product are exact). Double % would be a slow fmod call.
      day = Math.floor(ts / MS_PER_DAY);
      ms = ts - day * MS_PER_DAY;
      if (ms < 0) {
        day -= 1;
        ms += MS_PER_DAY;
      } else if (ms >= MS_PER_DAY) {
        day += 1;
        ms -= MS_PER_DAY;
      }
    } else {
      splitHuge(hi, lo, huge);
      day = huge[0]!;
      ms = huge[1]!;
    }
    timestamp[n] = ts;
    dayNumber[n] = day;
    msOfDay[n] = ms;
    seq[n] = view.getUint32(offset + SEQ, true);
    type[n] = view.getUint16(offset + TYPE, true);
    flags[n] = view.getUint16(offset + FLAGS, true);
    value[n] = v;
    duration[n] = view.getUint32(offset + DURATION, true);
    if (day < minDay) minDay = day;
    if (day > maxDay) maxDay = day;
    n++;
  }

  const trim = <T extends { subarray(begin: number, end: number): T }>(column: T): T =>
    n === recordCount ? column : column.subarray(0, n);
  const events: EventColumns = {
    length: n,
    timestamp: trim(timestamp),
    dayNumber: trim(dayNumber),
    msOfDay: trim(msOfDay),
    seq: trim(seq),
    type: trim(type),
    flags: trim(flags),
    value: trim(value),
    duration: trim(duration),
  };
  return {
    events,
    rejectedRecords: { R_TIME_RANGE: timeRange, R_VALUE: badValue },
    minDay: n === 0 ? NaN : minDay,
    maxDay: n === 0 ? NaN : maxDay,
  };
}
