/**
 * The steady-state fleet workload: every device has a stored history and uploads on its own
 * cadence, each upload re-sending the last 7, 90 or 365 days. Unlike the upload mix (plan.ts),
 * where half the uploads are a device's first, most events an upload carries are already stored
 * and only what happened since the device's previous upload is new. Pure and deterministic, like
 * the rest of the generator: a plan is cheap (no event data) and bytes are built one dump at a time.
 */
import { buildDump, type GeneratedDump } from './build';
import { resolveFleetOptions, type FleetOptions, type ResolvedFleetOptions } from './fleet-options';
import { resolveOptions, type ResolvedOptions, type UploadMix } from './options';
import { historyDumpsOf } from './history';
import { deviceIds, type UploadKind, type UploadPlan } from './plan';
import { hashInts, Random } from './prng';
import { deviceProfile, nightEvents, type NightEvents } from './therapy';

const MS_PER_DAY = 86_400_000;
const HOUR = 3_600_000;
/**
 * No event takes a day to be written (sessions last at most 8 h), so the events of day d are all
 * complete by the end of day d + 1: an earlier dump taken after that holds every one of them.
 */
const COMPLETION_LAG = MS_PER_DAY;

/** Days each kind of upload re-sends, ending at the upload (its last day partial). */
export const WINDOW_DAYS: Readonly<Record<UploadKind, number>> = { week: 7, quarter: 90, year: 365 };

/** One device of the fleet and what it had stored before the measured period. */
export interface FleetDevice {
  readonly deviceIndex: number;
  readonly deviceId: string;
  readonly patientId: string;
  /** Days between two uploads. */
  readonly cadenceDays: number;
  /** First UTC day with data; no upload reaches back further. */
  readonly firstDay: number;
  /** Days stored before the period: firstDay to the day of historyCreatedAt, both included. */
  readonly historyDays: number;
  /** The device's last upload before the period: its history holds every event complete by then. */
  readonly historyCreatedAt: number;
  /** The history as dumps of at most 365 days, oldest first, all taken at historyCreatedAt. */
  readonly history: readonly UploadPlan[];
  /** The device's uploads in the period, oldest first. */
  readonly uploads: readonly FleetUpload[];
}

/** One upload in the measured period. `kind` is the window asked for, `coverageDays` what it covers. */
export interface FleetUpload extends UploadPlan {
  /** 7, 90 or 365: the window before clipping to the device's first day. */
  readonly windowDays: number;
  readonly cadenceDays: number;
  /** The device's previous upload (the end of its history for its first upload in the period). */
  readonly previousUploadAt: number;
}

export interface FleetPlan {
  readonly options: ResolvedFleetOptions;
  /** The measured period, [periodStart, periodEnd) in ms. */
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly devices: readonly FleetDevice[];
  /** Every history dump, device by device, oldest first within a device. */
  readonly history: readonly UploadPlan[];
  /** Every upload in the period, in time order (ties by device). */
  readonly uploads: readonly FleetUpload[];
}

/** A built upload with what a benchmark needs to know about it without decoding it. */
export interface FleetDump extends FleetUpload {
  /** Records in the dump. */
  readonly events: number;
  /** Records in neither the device's history nor an earlier upload of it in the period. */
  readonly newEvents: number;
  readonly bytes: Uint8Array;
}

function pickKind(random: Random, mix: UploadMix): UploadKind {
  const [week, quarter, year] = mix;
  const r = random.next() * (week + quarter + year);
  return r < week ? 'week' : r < week + quarter ? 'quarter' : 'year';
}

function planFleetDevice(
  options: ResolvedFleetOptions,
  deviceIndex: number,
  periodStart: number,
  periodEnd: number,
): FleetDevice {
  const random = new Random(hashInts(options.seed, deviceIndex, 0xf1ee7));
  const ids = deviceIds(options.seed, deviceIndex);
  const historyDays = random.int(...options.historyDays);
  const cadenceDays = random.chance(options.spread)
    ? random.int(...options.spreadCadenceDays)
    : options.cadenceDays;
  // Each device uploads at its own time of day (daytime, like plan.ts, often while last night's
  // session is still being written) and, with a longer cadence, on its own days, so that the
  // fleet's uploads are spread evenly over the period rather than bunched.
  const timeOfDay = random.int(6 * HOUR, 20 * HOUR - 1);
  const dayOffset = random.int(0, cadenceDays - 1);
  const step = cadenceDays * MS_PER_DAY;
  const anchor = (Math.floor(periodStart / MS_PER_DAY) + dayOffset) * MS_PER_DAY + timeOfDay;
  const firstUpload = periodStart + ((((anchor - periodStart) % step) + step) % step);
  const historyCreatedAt = firstUpload - step;
  const firstDay = Math.floor(historyCreatedAt / MS_PER_DAY) - historyDays + 1;
  const device = { deviceIndex, ...ids, cadenceDays, firstDay, historyDays, historyCreatedAt };

  const uploads: FleetUpload[] = [];
  for (let createdAt = firstUpload; createdAt < periodEnd; createdAt += step) {
    const lastDay = Math.floor(createdAt / MS_PER_DAY);
    // Drawn per (device, day) so that a longer period keeps the uploads of a shorter one.
    const kind = pickKind(new Random(hashInts(options.seed, deviceIndex, lastDay, 0x3a7d)), options.mix);
    const windowDays = WINDOW_DAYS[kind];
    const first = Math.max(firstDay, lastDay - windowDays + 1);
    const upload = uploads.length + 1;
    uploads.push({
      deviceIndex,
      ...ids,
      upload,
      kind,
      coverageDays: lastDay - first + 1,
      firstDay: first,
      lastDay,
      createdAt,
      fileName: `${ids.deviceId}-${upload}.dump`,
      windowDays,
      cadenceDays,
      previousUploadAt: createdAt - step,
    });
  }
  return {
    ...device,
    history: historyDumpsOf(device, device.firstDay, device.firstDay + device.historyDays - 1),
    uploads,
  };
}

/** The fleet's histories and the uploads of the measured period, without building any bytes. */
export function planFleet(options: FleetOptions = {}): FleetPlan {
  const resolved = resolveFleetOptions(options);
  const periodEnd = resolved.now;
  const periodStart = periodEnd - resolved.periodDays * MS_PER_DAY;
  const devices: FleetDevice[] = [];
  for (let d = 0; d < resolved.devices; d++) {
    devices.push(planFleetDevice(resolved, resolved.firstDevice + d, periodStart, periodEnd));
  }
  const uploads = devices
    .flatMap((device) => device.uploads)
    .sort((a, b) => a.createdAt - b.createdAt || a.deviceIndex - b.deviceIndex);
  return {
    options: resolved,
    periodStart,
    periodEnd,
    devices,
    history: devices.flatMap((device) => device.history),
    uploads,
  };
}

function deviceOf(plan: FleetPlan, upload: UploadPlan): FleetDevice {
  const device = plan.devices[upload.deviceIndex - plan.options.firstDevice];
  if (device?.deviceIndex !== upload.deviceIndex) {
    throw new RangeError(`device ${upload.deviceIndex} is not in this fleet plan`);
  }
  return device;
}

/** The latest createdAt of the dumps covering `day` (-Infinity if none): they hold its events complete by then. */
function sentUntil(earlier: readonly UploadPlan[], day: number): number {
  // Later dumps were taken later, so the latest dump covering the day is the one that counts.
  for (let i = earlier.length - 1; i >= 0; i--) {
    const dump = earlier[i]!;
    if (dump.firstDay <= day && day <= dump.lastDay) return dump.createdAt;
  }
  return -Infinity;
}

/**
 * How many of the upload's events neither the device's history nor an earlier upload of it in
 * the period held. A dump holds the events of its days complete by its createdAt, so an event of
 * day d is new iff it completed after the latest earlier dump covering d. This is exact even
 * where that is not the device's previous upload (a week-long upload after a 7-day gap leaves the
 * evening of the earlier day unsent until a longer upload reaches it). Only the few nights where
 * that can happen are generated.
 */
export function countNewEvents(plan: FleetPlan, upload: FleetUpload): number {
  const device = deviceOf(plan, upload);
  const earlier = [...device.history, ...device.uploads.filter((u) => u.createdAt < upload.createdAt)];
  const { seed, eventsPerDay } = plan.options;
  const profile = deviceProfile(seed, upload.deviceIndex);
  let last: { night: number; events: NightEvents } | undefined;
  const eventsOf = (night: number): NightEvents => {
    // Days are visited in order and day d needs nights d - 1 and d, so one night of memory suffices.
    if (last?.night !== night) {
      last = { night, events: nightEvents(seed, upload.deviceIndex, night, eventsPerDay, profile) };
    }
    return last.events;
  };
  let count = 0;
  for (let day = upload.firstDay; day <= upload.lastDay; day++) {
    const sent = sentUntil(earlier, day);
    if (sent >= (day + 1) * MS_PER_DAY + COMPLETION_LAG) continue;
    const from = day * MS_PER_DAY;
    const until = from + MS_PER_DAY;
    // A night's session starts in the evening and runs past midnight: day d holds the end of
    // night d - 1 and the start of night d.
    for (const night of [day - 1, day]) {
      const ev = eventsOf(night);
      for (let k = 0; k < ev.length; k++) {
        const ts = ev.timestamp[k]!;
        const completeAt = ev.completeAt[k]!;
        if (ts >= from && ts < until && completeAt > sent && completeAt <= upload.createdAt) count++;
      }
    }
  }
  return count;
}

/** What buildDump needs of the options: the same seed and events per day give the same nights. */
function dumpOptions(plan: FleetPlan): ResolvedOptions {
  return resolveOptions({ seed: plan.options.seed, eventsPerDay: plan.options.eventsPerDay });
}

/**
 * The history dumps, device by device, built one at a time. Every later upload regenerates the
 * same nights, so the days it shares with the history are byte-for-byte the same records.
 */
export function* generateFleetHistory(plan: FleetPlan): Generator<GeneratedDump> {
  const options = dumpOptions(plan);
  for (const dump of plan.history) yield buildDump(dump, options);
}

/** The uploads of the period in time order, built one at a time (a year-long one is ~35 MB). */
export function* generateFleetUploads(plan: FleetPlan): Generator<FleetDump> {
  const options = dumpOptions(plan);
  for (const upload of plan.uploads) {
    const { events, bytes } = buildDump(upload, options);
    yield { ...upload, events, newEvents: countNewEvents(plan, upload), bytes };
  }
}

export interface FleetSummary {
  readonly uploads: number;
  readonly uploadsByKind: Readonly<Record<UploadKind, number>>;
  readonly records: number;
  readonly newEvents: number;
  /** Means are 0 when there is no upload (a short period in which no spread device uploads). */
  readonly meanRecordsPerUpload: number;
  readonly meanNewEventsPerUpload: number;
  /** Days since the device's previous upload, averaged over uploads: new events are about eventsPerDay times this. */
  readonly meanDaysSincePreviousUpload: number;
}

export type FleetUploadCounts = Pick<
  FleetDump,
  'kind' | 'events' | 'newEvents' | 'createdAt' | 'previousUploadAt'
>;

/** Totals and means over built uploads; a caller streaming FleetDumps can pass them as they go. */
export function summarizeFleet(uploads: Iterable<FleetUploadCounts>): FleetSummary {
  const uploadsByKind = { week: 0, quarter: 0, year: 0 };
  let count = 0;
  let records = 0;
  let newEvents = 0;
  let gapMs = 0;
  for (const upload of uploads) {
    count++;
    uploadsByKind[upload.kind]++;
    records += upload.events;
    newEvents += upload.newEvents;
    gapMs += upload.createdAt - upload.previousUploadAt;
  }
  const mean = (total: number) => (count === 0 ? 0 : total / count);
  return {
    uploads: count,
    uploadsByKind,
    records,
    newEvents,
    meanRecordsPerUpload: mean(records),
    meanNewEventsPerUpload: mean(newEvents),
    meanDaysSincePreviousUpload: mean(gapMs / MS_PER_DAY),
  };
}
