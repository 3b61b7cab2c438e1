/**
 * Pure arithmetic and argument parsing of the pipeline-vs-ceiling bench (bench/pipeline.ts), kept
 * apart from the code that starts DynamoDB Local so it can be unit-tested.
 */
import { DumpflowError } from '../lambdas/core/errors';

/** The pipeline target of issue 11: the local pipeline at 5x or more the raw one-item-per-event write ceiling. */
export const PIPELINE_TO_CEILING_TARGET = 5;

export interface Rate {
  readonly events: number;
  readonly seconds: number;
  /** events / seconds; 0 when nothing was measured. */
  readonly eventsPerSecond: number;
}

export function rateOf(events: number, ms: number): Rate {
  const seconds = ms / 1000;
  return { events, seconds, eventsPerSecond: seconds > 0 ? events / seconds : 0 };
}

/** pipeline / ceiling; null when the ceiling was not measured (0 items/s). */
export function pipelineToCeiling(
  pipelineEventsPerSecond: number,
  ceilingItemsPerSecond: number,
): number | null {
  return ceilingItemsPerSecond > 0 ? pipelineEventsPerSecond / ceilingItemsPerSecond : null;
}

export function meetsPipelineTarget(ratio: number | null): boolean {
  return ratio !== null && ratio >= PIPELINE_TO_CEILING_TARGET;
}

/** The part of a finished ledger entry the window needs. */
export interface FinishedTimes {
  readonly uploadedAt: number;
  readonly completedAt?: number;
  readonly stored: number;
}

/**
 * From the first upload (the earliest S3 event time in the ledger) to the last dump COMPLETE:
 * what the pipeline took to store `stored` events, excluding start-up and the KPI settling after.
 */
export function pipelineWindow(finished: readonly FinishedTimes[]): { stored: number; ms: number } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  let stored = 0;
  for (const entry of finished) {
    first = Math.min(first, entry.uploadedAt);
    if (entry.completedAt !== undefined) last = Math.max(last, entry.completedAt);
    stored += entry.stored;
  }
  return { stored, ms: last >= first ? last - first : 0 };
}

export interface PipelineBenchArgs {
  readonly dumps: number;
  readonly days: number;
  readonly eventsPerDay: number;
  readonly workers: number;
  /** BatchWriteItem calls in flight for the ceiling. @default workers x 8 (each worker chunk's batch writer keeps 8) */
  readonly ceilingConcurrency: number;
}

export const PIPELINE_BENCH_DEFAULTS = { dumps: 8, days: 7, eventsPerDay: 3000, workers: 4 } as const;

export class BenchArgumentError extends DumpflowError {
  constructor(message: string) {
    super('E_BENCH_ARGS', message);
  }
}

const FLAGS = {
  '--dumps': 'dumps',
  '--days': 'days',
  '--events-per-day': 'eventsPerDay',
  '--workers': 'workers',
  '--ceiling-concurrency': 'ceilingConcurrency',
} as const;

/** `--dumps N --days N --events-per-day N --workers N [--ceiling-concurrency N]`, all positive integers. */
export function parsePipelineBenchArgs(argv: readonly string[]): PipelineBenchArgs {
  const values: Partial<Record<(typeof FLAGS)[keyof typeof FLAGS], number>> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.includes('=') ? flag.split('=', 2) : [flag, undefined];
    const key = FLAGS[name as keyof typeof FLAGS];
    if (key === undefined) {
      throw new BenchArgumentError(`unknown option ${flag}; use ${Object.keys(FLAGS).join(', ')}`);
    }
    const text = inline ?? argv[++i];
    const value = Number(text);
    if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
      throw new BenchArgumentError(`${name} needs a positive whole number, got ${text ?? 'nothing'}`);
    }
    values[key] = value;
  }
  const workers = values.workers ?? PIPELINE_BENCH_DEFAULTS.workers;
  return {
    dumps: values.dumps ?? PIPELINE_BENCH_DEFAULTS.dumps,
    days: values.days ?? PIPELINE_BENCH_DEFAULTS.days,
    eventsPerDay: values.eventsPerDay ?? PIPELINE_BENCH_DEFAULTS.eventsPerDay,
    workers,
    ceilingConcurrency: values.ceilingConcurrency ?? workers * 8,
  };
}
