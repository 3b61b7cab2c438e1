/**
 * The deployment the plan calls for: the table's warm throughput and the functions' event-source
 * maximum and reserved concurrency, from the plan's peak times a stated headroom, as the CDK
 * context values to deploy with, checked against AWS's default quotas. Pure.
 */
import { ON_DEMAND_BASELINE } from '../lib/config';
import type { CapacityPlan } from './plan-model';

/** AWS defaults per Region: a table's on-demand throughput quota, and the account's Lambda concurrency. */
export const DEFAULT_QUOTAS = {
  tableReadUnitsPerSecond: 40_000,
  tableWriteUnitsPerSecond: 40_000,
  lambdaConcurrentExecutions: 1_000,
  /** Lambda keeps this many unreserved for functions without a reservation. */
  lambdaUnreservedMinimum: 100,
} as const;

/**
 * The smallest pool any function gets: a handful of executions is cheap, and a smaller one would
 * turn any burst above the peak factor into throttles (SQS MaximumConcurrency itself can be 2).
 */
const MIN_CONCURRENCY = 10;
/** A year-long first upload (355 chunks) finishes within this many seconds at full worker concurrency. */
const LONGEST_UPLOAD_CHUNKS = 355;
const LONGEST_UPLOAD_SECONDS = 60;

const roundUp = (x: number, step: number) => Math.ceil(x / step) * step;

export interface Deployment {
  readonly headroom: number;
  /** Concurrent executions at the plan's peak, before headroom. */
  readonly peakConcurrency: { readonly parser: number; readonly worker: number; readonly kpi: number };
  readonly warmReadUnitsPerSecond: number;
  readonly warmWriteUnitsPerSecond: number;
  readonly parserMaxConcurrency: number;
  readonly parserReservedConcurrency: number;
  readonly workerMaxConcurrency: number;
  readonly workerReservedConcurrency: number;
  readonly kpiReservedConcurrency: number;
  /** Write units/s the workers can drive at full concurrency with the plan's chunks. */
  readonly workerWriteUnitsPerSecondAtMax: number;
  readonly withinDefaultQuotas: boolean;
  readonly quotaNotes: readonly string[];
  /** `-c dumpflow:<key>=<value>` for `cdk deploy`. */
  readonly context: Readonly<Record<string, number>>;
}

export function deploymentFor(plan: CapacityPlan): Deployment {
  const { input: i, perUpload: u, dynamodb: d } = plan;
  const h = i.headroom;
  const peakUploads = plan.uploadsPerSecond * i.peakFactor;
  const peak = {
    parser: peakUploads * i.parserSeconds,
    worker: peakUploads * u.chunks * i.workerSecondsPerChunk,
    kpi: peakUploads * i.kpiSeconds,
  };
  const warmRead = Math.max(
    ON_DEMAND_BASELINE.readUnitsPerSecond,
    roundUp(d.readUnitsPerSecond.peak * h, 1000),
  );
  const warmWrite = Math.max(
    ON_DEMAND_BASELINE.writeUnitsPerSecond,
    roundUp(d.writeUnitsPerSecond.peak * h, 1000),
  );
  const parser = Math.max(MIN_CONCURRENCY, roundUp(peak.parser * h, 5));
  const longest = (LONGEST_UPLOAD_CHUNKS * i.workerSecondsPerChunk) / LONGEST_UPLOAD_SECONDS;
  const worker = Math.max(MIN_CONCURRENCY, roundUp(Math.max(peak.worker * h, longest), 5));
  const kpi = Math.max(MIN_CONCURRENCY, roundUp(peak.kpi * h, 5));
  const writesPerChunk = u.chunks > 0 ? u.project.writeUnits / u.chunks : 0;
  const workerWrites = (worker / i.workerSecondsPerChunk) * writesPerChunk;
  // Quota notes mean a quota must be raised; other notes only inform.
  const quotaNotes: string[] = [];
  const reserved = parser + worker + kpi;
  if (reserved + DEFAULT_QUOTAS.lambdaUnreservedMinimum > DEFAULT_QUOTAS.lambdaConcurrentExecutions) {
    quotaNotes.push(
      `Lambda concurrent executions: ${reserved} reserved + ${DEFAULT_QUOTAS.lambdaUnreservedMinimum} unreserved exceeds the default ${DEFAULT_QUOTAS.lambdaConcurrentExecutions}; raise the quota`,
    );
  }
  if (
    warmRead > DEFAULT_QUOTAS.tableReadUnitsPerSecond ||
    warmWrite > DEFAULT_QUOTAS.tableWriteUnitsPerSecond
  ) {
    quotaNotes.push(
      `DynamoDB table throughput: warm throughput above the default ${DEFAULT_QUOTAS.tableWriteUnitsPerSecond} units/s per table; raise the per-table quotas`,
    );
  }
  const notes = [...quotaNotes];
  if (workerWrites > warmWrite) {
    notes.push(
      `the workers at full concurrency could write ${Math.round(workerWrites)} units/s, above the ${warmWrite} the table serves warm: on-demand scales up behind them (throttles are retried)`,
    );
  }
  const context = {
    warmReadUnitsPerSecond: warmRead,
    warmWriteUnitsPerSecond: warmWrite,
    parserMaxConcurrency: parser,
    parserReservedConcurrency: parser,
    workerMaxConcurrency: worker,
    workerReservedConcurrency: worker,
    kpiReservedConcurrency: kpi,
  };
  return {
    headroom: h,
    peakConcurrency: peak,
    ...context,
    workerWriteUnitsPerSecondAtMax: workerWrites,
    withinDefaultQuotas: quotaNotes.length === 0,
    quotaNotes: notes,
    context,
  };
}
