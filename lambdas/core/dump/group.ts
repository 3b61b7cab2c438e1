import { formatDay } from './days';
import type { DayGroup, EventColumns } from './types';

/** Beyond this many days between the first and last event, a per-day count array would be wasteful. */
const DENSE_SPAN_LIMIT = 1 << 16;

/**
 * Groups event indices by UTC day with a counting sort: one pass counts per day, a prefix sum
 * places each day's slice, a second pass fills one shared Uint32Array in file order (so the sort
 * is stable). Each DayGroup's `indices` is a view into that array.
 */
export function groupByDay(events: EventColumns, minDay: number, maxDay: number): DayGroup[] {
  const n = events.length;
  if (n === 0) return [];
  const span = maxDay - minDay + 1;
  return span <= Math.max(DENSE_SPAN_LIMIT, n)
    ? groupDense(events.dayNumber, n, minDay, span)
    : groupSparse(events.dayNumber, n);
}

/** The usual case: days within a few hundred of each other, slot = day - minDay. */
function groupDense(dayNumber: Float64Array, n: number, minDay: number, span: number): DayGroup[] {
  const start = new Uint32Array(span + 1);
  for (let i = 0; i < n; i++) start[dayNumber[i]! - minDay + 1]!++;
  for (let s = 0; s < span; s++) start[s + 1]! += start[s]!;
  const next = start.slice(0, span);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[next[dayNumber[i]! - minDay]!++] = i;
  const groups: DayGroup[] = [];
  for (let s = 0; s < span; s++) {
    const from = start[s]!;
    const to = start[s + 1]!;
    if (from !== to) groups.push(dayGroup(minDay + s, order.subarray(from, to)));
  }
  return groups;
}

/**
 * Days spread too widely for a count array (only far-future timestamps, allowed when createdAt
 * is huge, can do that): the same counting sort over slots handed out by a Map.
 */
function groupSparse(dayNumber: Float64Array, n: number): DayGroup[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) counts.set(dayNumber[i]!, (counts.get(dayNumber[i]!) ?? 0) + 1);
  const days = [...counts.keys()].sort((a, b) => a - b);
  const next = new Map<number, number>();
  let offset = 0;
  for (const day of days) {
    next.set(day, offset);
    offset += counts.get(day)!;
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const at = next.get(dayNumber[i]!)!;
    order[at] = i;
    next.set(dayNumber[i]!, at + 1);
  }
  const groups: DayGroup[] = [];
  offset = 0;
  for (const day of days) {
    const count = counts.get(day)!;
    groups.push(dayGroup(day, order.subarray(offset, offset + count)));
    offset += count;
  }
  return groups;
}

function dayGroup(dayNumber: number, indices: Uint32Array): DayGroup {
  return { dayNumber, day: formatDay(dayNumber), indices };
}
