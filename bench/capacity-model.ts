/**
 * The AWS capacity and cost model behind `dumpflow plan`: pure arithmetic over the per-upload
 * units a bench run measured (bench/results/units.json) and a price table (bench/prices.json).
 * Every assumption that is not measured is a named input with its default stated here.
 */
import type { UploadKind } from '../generator';
import type { KindUnits, UnitsFile } from './units';

export interface Prices {
  readonly region: string;
  readonly asOf: string;
  readonly source: string;
  readonly dynamodbWriteRequestUnitPerMillion: number;
  readonly dynamodbReadRequestUnitPerMillion: number;
  readonly dynamodbReplicatedWriteUnitPerMillion: number;
  readonly dynamodbStorageGbMonth: number;
  readonly sqsRequestPerMillion: number;
  readonly lambdaRequestPerMillion: number;
  readonly lambdaGbSecondArm64: number;
}

export interface PlanInput {
  readonly dumpsPerMinute: number;
  /** week:quarter:year shares. @default [70, 20, 10] */
  readonly mix?: readonly [number, number, number];
  /** @default 3000 */
  readonly eventsPerDay?: number;
  /** Stored event item size; WCU per event = ceil(bytes / 1024). @default 200 (eventItem is < 200) */
  readonly itemBytes?: number;
  /** Busiest second / average second (arrival bursts). @default 3 (assumption) */
  readonly peakFactor?: number;
  /** Salted partitions per device-day. @default 10 */
  readonly saltBuckets?: number;
  /** One worker's write rate into one device-day: 8 BatchWriteItem of 25 in flight / latency. @default 25 ms */
  readonly batchLatencyMs?: number;
  /** Lambda memory and time (assumptions, not measured on Lambda). */
  readonly parserMemoryMb?: number;
  readonly parserSeconds?: number;
  readonly workerMemoryMb?: number;
  readonly workerSecondsPerChunk?: number;
  /** SQS event-source batch size of the worker. @default 10 */
  readonly workerBatchSize?: number;
  /** Extra global-table replicas (each replays every write). @default 0 */
  readonly replicas?: number;
}

/** The source design's pre-warm (warm throughput) and what a new on-demand table gets by itself. */
export const SOURCE_PREWARM = { readUnitsPerSecond: 500_000, writeUnitsPerSecond: 750_000 } as const;
export const ON_DEMAND_INITIAL = { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 4_000 } as const;
export const PARTITION_WRITE_LIMIT = 1_000;
const SECONDS_PER_MONTH = 30 * 86_400;
const MAX_CHUNK_EVENTS = 6_000;
const SQS_PAYLOAD_UNIT = 65_536;
const RETENTION_DAYS = 400;

export interface PathPerUpload {
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly storedEvents: number;
}

export interface PlanResult {
  readonly input: Required<Omit<PlanInput, 'mix'>> & { readonly mix: readonly [number, number, number] };
  readonly measuredAt: {
    readonly eventsPerDay: number;
    readonly command: string;
    readonly startedAt: string;
  };
  readonly perUpload: {
    readonly project: PathPerUpload;
    readonly baseline: PathPerUpload;
    readonly chunks: number;
  };
  readonly dynamodb: {
    readonly readUnitsPerSecond: { readonly average: number; readonly peak: number };
    readonly writeUnitsPerSecond: { readonly average: number; readonly peak: number };
    readonly baselineReadUnitsPerSecond: { readonly average: number; readonly peak: number };
    readonly busiestPartitionWritesPerSecond: {
      readonly salted: number;
      readonly unsalted: number;
      readonly limit: number;
    };
    readonly prewarm: {
      readonly sourceReadUnits: number;
      readonly sourceWriteUnits: number;
      readonly onDemandInitialReadUnits: number;
      readonly onDemandInitialWriteUnits: number;
      /** Peak needs more than a new on-demand table serves at once: set warm throughput to `warmTo`. */
      readonly needed: boolean;
      readonly warmTo: { readonly readUnitsPerSecond: number; readonly writeUnitsPerSecond: number };
      /** The source's 500,000 / 750,000 are more than the peak needs. */
      readonly sourceFiguresNeeded: boolean;
    };
  };
  readonly sqs: { readonly requestsPerUpload: number; readonly requestsPerMonth: number };
  readonly lambda: { readonly invocationsPerMonth: number; readonly gbSecondsPerMonth: number };
  readonly monthlyCostUsd: {
    readonly dynamodbWrites: number;
    readonly dynamodbReads: number;
    readonly dynamodbReplicatedWrites: number;
    readonly dynamodbStorageSteadyState: number;
    readonly sqs: number;
    readonly lambda: number;
    readonly total: number;
    /** The baseline's reads at the same load, for comparison. */
    readonly baselineDynamodbReads: number;
  };
}

/** One kind's measured upload scaled to `eventsPerDay` and `wcuPerEvent`. */
export function scaleKind(
  k: KindUnits,
  measuredEventsPerDay: number,
  eventsPerDay: number,
  wcuPerEvent: number,
): { project: PathPerUpload; baseline: PathPerUpload; chunks: number } {
  const f = eventsPerDay / measuredEventsPerDay;
  const stored = k.project.stored * f;
  // Per-day overhead (summaries, digests, ledger) stays; event writes scale with events and size.
  const overhead = Math.max(0, k.project.writeUnits - k.project.stored);
  const chunkParts = Math.max(1, Math.ceil(eventsPerDay / MAX_CHUNK_EVENTS));
  return {
    project: {
      readUnits: k.project.readUnits,
      writeUnits: overhead + stored * wcuPerEvent,
      storedEvents: stored,
    },
    // The source reads every stored byte of its days: its reads scale with events.
    baseline: {
      readUnits: k.baseline.readUnits * f,
      writeUnits: k.baseline.stored * f * wcuPerEvent,
      storedEvents: k.baseline.stored * f,
    },
    chunks: k.chunks * chunkParts,
  };
}

export function planCapacity(units: UnitsFile, prices: Prices, input: PlanInput): PlanResult {
  const mix = input.mix ?? [70, 20, 10];
  const full = {
    dumpsPerMinute: input.dumpsPerMinute,
    eventsPerDay: input.eventsPerDay ?? 3000,
    itemBytes: input.itemBytes ?? 200,
    peakFactor: input.peakFactor ?? 3,
    saltBuckets: input.saltBuckets ?? 10,
    batchLatencyMs: input.batchLatencyMs ?? 25,
    parserMemoryMb: input.parserMemoryMb ?? 3008,
    parserSeconds: input.parserSeconds ?? 3,
    workerMemoryMb: input.workerMemoryMb ?? 1024,
    workerSecondsPerChunk: input.workerSecondsPerChunk ?? 0.5,
    workerBatchSize: input.workerBatchSize ?? 10,
    replicas: input.replicas ?? 0,
    mix,
  };
  const wcuPerEvent = Math.ceil(full.itemBytes / 1024);
  const kinds: UploadKind[] = ['week', 'quarter', 'year'];
  const shareSum = mix[0] + mix[1] + mix[2];
  const avg = { pr: 0, pw: 0, ps: 0, br: 0, bw: 0, bs: 0, chunks: 0 };
  kinds.forEach((kind, i) => {
    const share = mix[i]! / shareSum;
    if (share === 0) return;
    const k = units.perUpload[kind];
    if (k === undefined) throw new Error(`the units file has no measured ${kind} upload; rerun the bench`);
    const s = scaleKind(k, units.eventsPerDay, full.eventsPerDay, wcuPerEvent);
    avg.pr += share * s.project.readUnits;
    avg.pw += share * s.project.writeUnits;
    avg.ps += share * s.project.storedEvents;
    avg.br += share * s.baseline.readUnits;
    avg.bw += share * s.baseline.writeUnits;
    avg.bs += share * s.baseline.storedEvents;
    avg.chunks += share * s.chunks;
  });
  const perSecond = full.dumpsPerMinute / 60;
  const rate = (perUpload: number) => ({
    average: perUpload * perSecond,
    peak: perUpload * perSecond * full.peakFactor,
  });
  const reads = rate(avg.pr);
  const writes = rate(avg.pw);
  const writerRate = (8 * 25) / (full.batchLatencyMs / 1000);
  const busiest = {
    salted: Math.min(writerRate, full.eventsPerDay * wcuPerEvent) / full.saltBuckets,
    unsalted: Math.min(writerRate, full.eventsPerDay * wcuPerEvent),
    limit: PARTITION_WRITE_LIMIT,
  };
  const needed =
    reads.peak > ON_DEMAND_INITIAL.readUnitsPerSecond || writes.peak > ON_DEMAND_INITIAL.writeUnitsPerSecond;

  const eventsPerChunk = avg.chunks > 0 ? avg.ps / avg.chunks : 0;
  const messageUnits = Math.max(
    1,
    Math.ceil((eventsPerChunk * units.chunkMessageBytesPerEvent) / SQS_PAYLOAD_UNIT),
  );
  const workerBatches = Math.ceil(avg.chunks / full.workerBatchSize);
  // S3 -> queue send, parser receive + delete, fan-out SendMessageBatch (per 64 KB), worker receive + delete.
  const sqsPerUpload = 3 + avg.chunks * messageUnits + 2 * workerBatches;
  const uploadsPerMonth = perSecond * SECONDS_PER_MONTH;
  const invocations = uploadsPerMonth * (1 + workerBatches);
  const gbSeconds =
    uploadsPerMonth *
    ((full.parserMemoryMb / 1024) * full.parserSeconds +
      (full.workerMemoryMb / 1024) * full.workerSecondsPerChunk * avg.chunks);
  const million = 1e6;
  const storedPerDay = avg.ps * perSecond * 86_400;
  const cost = {
    dynamodbWrites:
      (writes.average * SECONDS_PER_MONTH * prices.dynamodbWriteRequestUnitPerMillion) / million,
    dynamodbReads: (reads.average * SECONDS_PER_MONTH * prices.dynamodbReadRequestUnitPerMillion) / million,
    dynamodbReplicatedWrites:
      (full.replicas * writes.average * SECONDS_PER_MONTH * prices.dynamodbReplicatedWriteUnitPerMillion) /
      million,
    dynamodbStorageSteadyState:
      ((storedPerDay * RETENTION_DAYS * full.itemBytes) / 1e9) *
      prices.dynamodbStorageGbMonth *
      (1 + full.replicas),
    sqs: (sqsPerUpload * uploadsPerMonth * prices.sqsRequestPerMillion) / million,
    lambda: (invocations * prices.lambdaRequestPerMillion) / million + gbSeconds * prices.lambdaGbSecondArm64,
    baselineDynamodbReads:
      (avg.br * perSecond * SECONDS_PER_MONTH * prices.dynamodbReadRequestUnitPerMillion) / million,
  };
  return {
    input: full,
    measuredAt: {
      eventsPerDay: units.eventsPerDay,
      command: units.source.command,
      startedAt: units.source.startedAt,
    },
    perUpload: {
      project: { readUnits: avg.pr, writeUnits: avg.pw, storedEvents: avg.ps },
      baseline: { readUnits: avg.br, writeUnits: avg.bw, storedEvents: avg.bs },
      chunks: avg.chunks,
    },
    dynamodb: {
      readUnitsPerSecond: reads,
      writeUnitsPerSecond: writes,
      baselineReadUnitsPerSecond: rate(avg.br),
      busiestPartitionWritesPerSecond: busiest,
      prewarm: {
        sourceReadUnits: SOURCE_PREWARM.readUnitsPerSecond,
        sourceWriteUnits: SOURCE_PREWARM.writeUnitsPerSecond,
        onDemandInitialReadUnits: ON_DEMAND_INITIAL.readUnitsPerSecond,
        onDemandInitialWriteUnits: ON_DEMAND_INITIAL.writeUnitsPerSecond,
        needed,
        warmTo: { readUnitsPerSecond: Math.ceil(reads.peak), writeUnitsPerSecond: Math.ceil(writes.peak) },
        sourceFiguresNeeded:
          reads.peak >= SOURCE_PREWARM.readUnitsPerSecond ||
          writes.peak >= SOURCE_PREWARM.writeUnitsPerSecond,
      },
    },
    sqs: { requestsPerUpload: sqsPerUpload, requestsPerMonth: sqsPerUpload * uploadsPerMonth },
    lambda: { invocationsPerMonth: invocations, gbSecondsPerMonth: gbSeconds },
    monthlyCostUsd: {
      ...cost,
      total:
        cost.dynamodbWrites +
        cost.dynamodbReads +
        cost.dynamodbReplicatedWrites +
        cost.dynamodbStorageSteadyState +
        cost.sqs +
        cost.lambda,
    },
  };
}
