import { DumpflowError } from '../lambdas/core/errors';
import { MAX_EVENTS_PER_DAY } from './therapy';

/** Invalid generator options (bad CLI flags end up here). */
export class GeneratorOptionsError extends DumpflowError {
  constructor(message: string) {
    super('E_GENERATOR_OPTIONS', message);
  }
}

/** Upload mix: percentages of uploads covering a week, up to a quarter (90 days), up to a year (365 days). */
export type UploadMix = readonly [week: number, quarter: number, year: number];

export interface GeneratorOptions {
  /** How many devices (one patient each). @default 10 */
  readonly devices?: number;
  /** Index of the first device, so separate runs can make disjoint devices. @default 0 */
  readonly firstDevice?: number;
  /** Uploads per device; each overlaps the previous one and moves forward in time. @default 2 */
  readonly uploadsPerDevice?: number;
  /**
   * The most days one upload may cover: the mix picks 7 / up to 90 / up to 365 days, capped here
   * (so `days: 7` makes every upload a week). @default 365
   */
  readonly days?: number;
  /** Target events per device-day with therapy (nights without therapy have a handful). @default 3000 */
  readonly eventsPerDay?: number;
  /** Everything is a fixed function of the seed. @default 1 */
  readonly seed?: number;
  /** @default [70, 20, 10] */
  readonly mix?: UploadMix;
  /**
   * "Now" in ms: the latest upload of each device is taken up to 6 hours before it. Fixed by
   * default so output is reproducible. @default Date.UTC(2025, 5, 1, 12) = 2025-06-01T12:00:00Z
   */
  readonly now?: number;
}

export type ResolvedOptions = Required<GeneratorOptions>;

export const DEFAULT_NOW = Date.UTC(2025, 5, 1, 12);

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new GeneratorOptionsError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

export function resolveOptions(options: GeneratorOptions = {}): ResolvedOptions {
  const mix = options.mix ?? [70, 20, 10];
  if (mix.length !== 3 || mix.some((p) => !Number.isFinite(p) || p < 0) || mix[0] + mix[1] + mix[2] <= 0) {
    throw new GeneratorOptionsError(
      `the upload mix needs three non-negative shares with a positive sum (week:quarter:year), got ${mix.join(':')}`,
    );
  }
  const now = options.now ?? DEFAULT_NOW;
  // Up to 12 uploads, each starting up to a year before the next, must all stay after 2000.
  if (!Number.isSafeInteger(now) || now < Date.UTC(2015, 0, 1) || now > Date.UTC(9000, 0, 1)) {
    throw new GeneratorOptionsError(`now must be a time in ms between 2015 and 9000, got ${now}`);
  }
  return {
    devices: integer('devices', options.devices ?? 10, 1, 1_000_000),
    firstDevice: integer('firstDevice', options.firstDevice ?? 0, 0, 99_999_999),
    uploadsPerDevice: integer('uploadsPerDevice', options.uploadsPerDevice ?? 2, 1, 12),
    days: integer('days', options.days ?? 365, 1, 365),
    eventsPerDay: integer('eventsPerDay', options.eventsPerDay ?? 3000, 1, MAX_EVENTS_PER_DAY),
    seed: integer('seed', options.seed ?? 1, 0, 0xffffffff),
    mix,
    now,
  };
}

/** Parses "70:20:10" (CLI form of the mix). */
export function parseMix(text: string): UploadMix {
  const parts = text.split(':').map((p) => (p.trim() === '' ? NaN : Number(p)));
  if (
    parts.length !== 3 ||
    parts.some((p) => !Number.isFinite(p) || p < 0) ||
    parts[0]! + parts[1]! + parts[2]! <= 0
  ) {
    throw new GeneratorOptionsError(
      `--mix takes three non-negative numbers week:quarter:year, e.g. 70:20:10; got "${text}"`,
    );
  }
  return [parts[0]!, parts[1]!, parts[2]!];
}
