import { GeneratorOptionsError, resolveOptions, type UploadMix } from './options';

/** A range of whole days, both ends included. */
export type DayRange = readonly [min: number, max: number];

/** Options of the steady-state fleet workload (generator/fleet.ts). */
export interface FleetOptions {
  /** How many devices (one patient each). @default 10 */
  readonly devices?: number;
  /** Index of the first device, so separate runs can make disjoint devices. @default 0 */
  readonly firstDevice?: number;
  /** Target events per device-day with therapy (nights without therapy have a handful). @default 3000 */
  readonly eventsPerDay?: number;
  /** Everything is a fixed function of the seed. @default 1 */
  readonly seed?: number;
  /** Shares of uploads re-sending the last 7, 90 and 365 days (week:quarter:year). @default [70, 20, 10] */
  readonly mix?: UploadMix;
  /**
   * End of the measured period, in ms: the period is the `periodDays` days before it. Fixed by
   * default so output is reproducible. @default Date.UTC(2025, 5, 1, 12) = 2025-06-01T12:00:00Z
   */
  readonly now?: number;
  /**
   * Days of data each device has stored before the period, drawn per device: from its first day
   * of data to the day of its last upload before the period, both included. @default [45, 400]
   */
  readonly historyDays?: DayRange;
  /** Days between two uploads of a device that is not in the spread. @default 1 */
  readonly cadenceDays?: number;
  /** Share of devices (0 to 1) that upload every `spreadCadenceDays` days instead. @default 0.2 */
  readonly spread?: number;
  /** Days between two uploads of a device in the spread, drawn per device. @default [2, 7] */
  readonly spreadCadenceDays?: DayRange;
  /** Length of the measured period, in days: the stream is every upload in it. @default 1 */
  readonly periodDays?: number;
}

export type ResolvedFleetOptions = Required<FleetOptions>;

/** Ten years: far more than any device keeps, and a history that stays after 2000 for every valid `now`. */
const MAX_HISTORY_DAYS = 3650;
/**
 * A device uploading less often than weekly would leave whole days unsent by its week-long
 * uploads, which is not a steady state (at exactly 7 days part of one day can already be missed).
 */
const MAX_CADENCE_DAYS = 7;
const MAX_PERIOD_DAYS = 366;

function dayRange(name: string, range: DayRange, min: number, max: number, why: string): DayRange {
  const [low, high] = range;
  const whole = (n: number) => Number.isInteger(n) && n >= min && n <= max;
  if (range.length !== 2 || !whole(low) || !whole(high) || low > high) {
    throw new GeneratorOptionsError(
      `${name} must be two whole numbers of days from ${min} to ${max}, the first no larger than the second (${why}); got ${range.join('-')}`,
    );
  }
  return [low, high];
}

function wholeDays(name: string, value: number, max: number, why: string): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new GeneratorOptionsError(
      `${name} must be a whole number of days from 1 to ${max} (${why}); got ${value}`,
    );
  }
  return value;
}

export function resolveFleetOptions(options: FleetOptions = {}): ResolvedFleetOptions {
  // The options shared with the upload-mix generator are checked the same way.
  const shared = resolveOptions({
    ...(options.devices !== undefined && { devices: options.devices }),
    ...(options.firstDevice !== undefined && { firstDevice: options.firstDevice }),
    ...(options.eventsPerDay !== undefined && { eventsPerDay: options.eventsPerDay }),
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.mix !== undefined && { mix: options.mix }),
    ...(options.now !== undefined && { now: options.now }),
  });
  const spread = options.spread ?? 0.2;
  if (!Number.isFinite(spread) || spread < 0 || spread > 1) {
    throw new GeneratorOptionsError(
      `spread is the share of devices with a longer cadence and must be from 0 to 1, e.g. 0.2; got ${spread}`,
    );
  }
  const cadenceWhy = 'a week-long upload must reach back to the previous one';
  return {
    devices: shared.devices,
    firstDevice: shared.firstDevice,
    eventsPerDay: shared.eventsPerDay,
    seed: shared.seed,
    mix: shared.mix,
    now: shared.now,
    historyDays: dayRange(
      'historyDays',
      options.historyDays ?? [45, 400],
      1,
      MAX_HISTORY_DAYS,
      'a device stores at least its first day',
    ),
    cadenceDays: wholeDays('cadenceDays', options.cadenceDays ?? 1, MAX_CADENCE_DAYS, cadenceWhy),
    spread,
    spreadCadenceDays: dayRange(
      'spreadCadenceDays',
      options.spreadCadenceDays ?? [2, 7],
      1,
      MAX_CADENCE_DAYS,
      cadenceWhy,
    ),
    periodDays: wholeDays('periodDays', options.periodDays ?? 1, MAX_PERIOD_DAYS, 'at most a year'),
  };
}

/** Parses "45-400" or "7" (CLI form of a day range); `flag` names the option in the message. */
export function parseDayRange(flag: string, text: string): DayRange {
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(text);
  if (match === null) {
    throw new GeneratorOptionsError(
      `${flag} takes a number of days or a range min-max, e.g. 45-400 or 7; got "${text}"`,
    );
  }
  const low = Number(match[1]);
  return [low, match[2] === undefined ? low : Number(match[2])];
}

/** Parses a share from 0 to 1 such as "0.2" (CLI form of `spread`). */
export function parseShare(flag: string, text: string): number {
  const share = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(share) || share < 0 || share > 1) {
    throw new GeneratorOptionsError(`${flag} takes a share of devices from 0 to 1, e.g. 0.2; got "${text}"`);
  }
  return share;
}
