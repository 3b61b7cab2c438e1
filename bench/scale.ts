/**
 * The sizes `dumpflow bench` runs at: full (3,000 events per device-day) and quick (small enough
 * to finish in under a minute on this project's 2-core machine; the output says what it cut).
 */
import type { FirstUploadMixScale } from './first-upload-mix';
import type { FleetScale } from './fleet-mix';

export interface Scale {
  /** The single-dump rows: one dump per length, first upload then re-upload. */
  readonly dumpDays: readonly number[];
  readonly eventsPerDay: number;
  /** Project path chunks written at once (ingestInProcess chunkConcurrency). */
  readonly chunkConcurrency: number;
  readonly fleet: Omit<FleetScale, 'eventsPerDay' | 'chunkConcurrency'>;
  readonly firstUploadMix: Omit<FirstUploadMixScale, 'eventsPerDay' | 'chunkConcurrency'>;
  /** The end-to-end local pipeline run: one `days`-long dump per device, all uploaded together. */
  readonly pipeline: {
    readonly dumps: number;
    readonly days: number;
    readonly eventsPerDay: number;
    readonly workers: number;
  };
  readonly decodeRuns: number;
  /** Events per day of the decode bench's 365-day dump (3,050 gives ~1.1 million records). */
  readonly decodeEventsPerDay: number;
}

export const FULL_SCALE: Scale = {
  dumpDays: [7, 90, 365],
  eventsPerDay: 3000,
  chunkConcurrency: 4,
  // Seed 5: 19 week, 3 quarter and 2 year uploads (79:13:8), about the 70:20:10 the fleet draws from.
  fleet: { devices: 8, periodDays: 3, seed: 5 },
  firstUploadMix: { devices: 6, uploadsPerDevice: 2, seed: 12 },
  pipeline: { dumps: 8, days: 7, eventsPerDay: 3000, workers: 4 },
  decodeRuns: 15,
  decodeEventsPerDay: 3050,
};

/**
 * Quick: 20 events per device-day instead of 3,000, no single-dump rows (bench/storage.ts has
 * them), a 4-device fleet over one day (seed 7: 3 week uploads and a quarter), a 2x2 first-upload
 * mix (seed 5: 3 weeks and a 23-day quarter) and a 4-dump pipeline run of 250 events per day. The
 * source design's Queries (10 salted partitions for every day it reads, ~200 a second on this
 * DynamoDB Local) set the pace at this size, not the events.
 */
export const QUICK_SCALE: Scale = {
  ...FULL_SCALE,
  dumpDays: [],
  eventsPerDay: 20,
  fleet: { devices: 4, periodDays: 1, seed: 7 },
  firstUploadMix: { devices: 2, uploadsPerDevice: 2, seed: 5 },
  pipeline: { dumps: 4, days: 7, eventsPerDay: 250, workers: 4 },
  decodeRuns: 5,
  decodeEventsPerDay: 1000,
};
