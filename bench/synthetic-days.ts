/**
 * Device-days the generator does not make, for the benchmarks: a dense day (100x the usual
 * rate) and days shaped like the independent Python writer's (bench/foreign/mdmp_writer.py).
 */
import { DEFAULT_NOW, generateSingleDump, Random } from '../generator';
import { decodeDump, encodeDump, type DumpEvent } from '../lambdas/core/dump';
import { allocatePageEvents, type PageEvents } from '../lambdas/core/page/codec';

const MS_PER_DAY = 86_400_000;

/**
 * One device-day of `events` events: the events of consecutive generated device-days (3,000 a
 * day, the usual device) folded onto the last full day before `now`, each keeping its time of day,
 * seq, type, flags, value and duration. So the day has 100x the usual rate (at 300,000) with the
 * value styles of real generated data.
 */
export function denseDayDump(events = 300_000, now = DEFAULT_NOW): { bytes: Uint8Array; day: number } {
  const day = Math.floor(now / MS_PER_DAY) - 1;
  // Generated days average a little under 3,000 events (some nights have no therapy).
  const days = Math.min(365, Math.ceil(events / 2_000) + 10);
  const source = decodeDump(generateSingleDump({ days, eventsPerDay: 3000, firstDevice: 9_000 }).bytes);
  const e = source.events;
  if (e.length < events) throw new RangeError(`only ${e.length} events to fold, ${events} asked for`);
  // A device writing 100x as much numbers its records in time order like any other: seq is
  // renumbered in time order, so identities stay distinct and seq deltas stay small.
  const order = Array.from({ length: events }, (_, k) => k).sort(
    (a, b) => e.msOfDay[a]! - e.msOfDay[b]! || a - b,
  );
  const out: DumpEvent[] = order.map((k, i) => ({
    timestamp: day * MS_PER_DAY + e.msOfDay[k]!,
    seq: i + 1,
    type: e.type[k]!,
    flags: e.flags[k]!,
    value: e.value[k]!,
    duration: e.duration[k]!,
  }));
  if (out.length < events)
    throw new RangeError(`only ${out.length} distinct events to fold, ${events} asked for`);
  const bytes = encodeDump({
    deviceId: `${source.header.deviceId.slice(0, 10)}-DENSE`,
    patientId: source.header.patientId,
    createdAt: (day + 1) * MS_PER_DAY + 3_600_000,
    events: out,
  });
  return { bytes, day };
}

/**
 * A day of `perDay` events in the style of mdmp_writer.py's day_events: one therapy session
 * start (2-decimal value), then random times and types, values with 2 or 3 decimals, whole
 * numbers, zeros, and uniform random doubles for the unknown types (8, 9, 10, 42, 300), which no
 * short decimal represents and the page stores raw.
 */
export function foreignLikeDay(seed: number, perDay = 3000): PageEvents {
  const random = new Random(seed);
  const types = [2, 3, 4, 4, 5, 5, 5, 6, 7, 8, 9, 10, 42, 300];
  const events = allocatePageEvents(perDay);
  const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  const seq0 = random.int(0, 2 ** 32 - 1);
  for (let i = 0; i < perDay; i++) {
    const type = i === 0 ? 1 : types[random.int(0, types.length - 1)]!;
    let value: number;
    if (type === 1) value = round(random.between(6, 14), 2);
    else if (type === 2 || type === 3) value = 0;
    else if (type === 4) value = round(random.between(0, 60), 3);
    else if (type === 5) value = round(random.between(4, 20), 2);
    else if (type === 6) value = random.int(85, 99);
    else if (type === 7) value = random.int(1, 8);
    else value = random.next();
    events.msOfDay[i] = i === 0 ? 1000 * random.int(0, 3599) : random.int(0, MS_PER_DAY - 1);
    events.seq[i] = (seq0 + i) >>> 0;
    events.type[i] = type;
    events.flags[i] = random.int(0, 3);
    events.value[i] = value;
    events.duration[i] =
      type === 1 ? [10_800, 18_000, 21_617][random.int(0, 2)]! : type <= 3 ? random.int(5, 59) : 0;
  }
  return events;
}

/** The days of a decoded dump as page columns (every event of the day, file order). */
export function dumpDays(bytes: Uint8Array): PageEvents[] {
  const dump = decodeDump(bytes);
  const e = dump.events;
  return dump.days.map((group) => {
    const day = allocatePageEvents(group.indices.length);
    group.indices.forEach((k, i) => {
      day.msOfDay[i] = e.msOfDay[k]!;
      day.seq[i] = e.seq[k]!;
      day.type[i] = e.type[k]!;
      day.flags[i] = e.flags[k]!;
      day.value[i] = e.value[k]!;
      day.duration[i] = e.duration[k]!;
    });
    return day;
  });
}
