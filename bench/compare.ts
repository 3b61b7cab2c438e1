/**
 * Side-by-side benchmark: the product's storage path (ingestInProcess: whole-day shortcut, chunks,
 * digests) against the source design's dedupe (bench/baseline.ts) on the same generated dumps and
 * the same DynamoDB Local process, plus decode throughput and the end-to-end local pipeline
 * (bench/pipeline.ts) next to the raw write ceiling of that process.
 * Used by `dumpflow bench`; run directly with `npx tsx bench/compare.ts [--quick] [--json]`.
 *
 * DynamoDB Local reports consumed capacity the way DynamoDB does, so units and requests carry to
 * AWS; wall times are this machine's DynamoDB Local (one JVM), not DynamoDB's.
 */
import * as os from 'node:os';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_NOW, generateDumps, generateSingleDump, type UploadKind } from '../generator';
import { decodeDump } from '../lambdas/core/dump';
import type { DecodedDump } from '../lambdas/core/dump/types';
import { CapacityMeter, type CapacityTotals } from '../lambdas/core/storage/capacity';
import { buildChunkMessage, chunkMessageBody, planChunks } from '../lambdas/core/storage/chunks';
import { ingestInProcess } from '../lambdas/core/storage/in-process';
import { prepareDump } from '../lambdas/core/storage/prepare';
import { createTable } from '../lambdas/core/storage/table';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { ingestBaseline } from './baseline';
import { runDecodeBench, type DecodeBenchResult } from './decode';
import { runPipelineBench, type PipelineBenchResult } from './pipeline';
import { benchTargets, type TargetCheck } from './targets';

export type { TargetCheck } from './targets';

export interface CompareBenchOptions {
  /** Small dumps and few uploads so the run ends in under a minute. @default false */
  readonly quick?: boolean;
  /** Use this DynamoDB endpoint instead of starting DynamoDB Local. */
  readonly endpoint?: string;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
}

export interface Scale {
  readonly dumpDays: readonly number[];
  readonly eventsPerDay: number;
  readonly mixDevices: number;
  readonly mixUploadsPerDevice: number;
  /** Generator seed of the mix; 12 gives 9 week, 2 quarter and 1 year uploads for 6x2 (75:17:8). */
  readonly mixSeed: number;
  /** Project path chunks written at once (ingestInProcess chunkConcurrency). */
  readonly chunkConcurrency: number;
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
  mixDevices: 6,
  mixUploadsPerDevice: 2,
  mixSeed: 12,
  chunkConcurrency: 4,
  pipeline: { dumps: 8, days: 7, eventsPerDay: 3000, workers: 4 },
  decodeRuns: 15,
  decodeEventsPerDay: 3050,
};

/**
 * Quick: the same dump lengths and mix with 20 events per device-day instead of 3,000, and a
 * smaller pipeline run (4 week-long dumps of 250 events per day), so that the run can end in a
 * minute on two cores (it does not on a heavily loaded box: docs/benchmarks.md).
 */
export const QUICK_SCALE: Scale = {
  ...FULL_SCALE,
  eventsPerDay: 20,
  decodeRuns: 5,
  decodeEventsPerDay: 1000,
  pipeline: { dumps: 4, days: 7, eventsPerDay: 250, workers: 4 },
};

export interface PathFigures extends CapacityTotals {
  readonly stored: number;
  readonly duplicates: number;
  readonly wallMs: number;
}

export interface Ratios {
  /** baseline / project: how many times more the baseline reads. */
  readonly readUnitsRatio: number | null;
  readonly writeUnitsRatio: number | null;
  readonly requestsRatio: number | null;
  /** baseline wall / project wall: how many times faster the project is. */
  readonly speedup: number | null;
}

export interface DumpComparison {
  readonly days: number;
  readonly pass: 'first-upload' | 're-upload';
  readonly records: number;
  readonly project: PathFigures & {
    readonly chunks: number;
    readonly settledDays: number;
    /** writeUnits / stored (null when nothing was stored). */
    readonly writeUnitsPerStoredEvent: number | null;
  };
  readonly baseline: PathFigures & {
    readonly itemsRead: number;
    readonly daysRead: number;
    /** Strongly consistent Queries that found nothing: DynamoDB Local reports 0 units for them. */
    readonly emptyQueries: number;
  };
  readonly ratios: Ratios;
}

/**
 * DynamoDB Local reports 0 read units for a Query that finds nothing; DynamoDB bills every
 * strongly consistent read request at least 1 unit. This adds that minimum to the baseline's
 * measured units (the product's reads are mostly GetItem/transactions, already reported >= 1).
 */
export function withRequestMinimum(readUnits: number, emptyQueries: number): number {
  return readUnits + emptyQueries;
}

export interface KindFigures {
  readonly uploads: number;
  readonly days: number;
  readonly records: number;
  readonly project: PathFigures & { readonly chunks: number };
  readonly baseline: PathFigures;
}

export interface MixComparison {
  readonly devices: number;
  readonly uploadsPerDevice: number;
  readonly uploads: number;
  readonly shares: Record<UploadKind, number>;
  readonly byKind: Partial<Record<UploadKind, KindFigures>>;
  readonly total: KindFigures;
  readonly ratios: Ratios;
  /** Both paths stored the same events (the same result). */
  readonly sameStoredCount: boolean;
}

export interface ThroughputFigures {
  /** What `pipeline` measures. */
  readonly pipelineScope: string;
  /** Events stored from the first upload to the last dump COMPLETE, with the run's details. */
  readonly pipeline: PipelineBenchResult['pipeline'] & PipelineBenchResult['workload'];
  /** Raw BatchWriteItem of as many event items into the pipeline's table, right after it. */
  readonly ceiling: PipelineBenchResult['ceiling'];
  /** pipeline events/s / ceiling items/s. */
  readonly pipelineToCeilingRatio: number | null;
}

export interface CompareBenchResult {
  readonly command: string;
  readonly quick: boolean;
  readonly scale: Scale;
  readonly note: string;
  readonly machine: {
    readonly node: string;
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGb: number;
    readonly platform: string;
    readonly loadAverageAtEnd: number;
  };
  readonly startedAt: string;
  readonly totalWallMs: number;
  readonly dumps: readonly DumpComparison[];
  readonly mix: MixComparison;
  /** Mix read units with the baseline's empty Queries billed at AWS's 1-unit minimum. */
  readonly mixWithRequestMinimum: {
    readonly baselineReadUnits: number;
    readonly readUnitsRatio: number | null;
  };
  /** Bytes of chunk messages per chunked event (SQS payload model for `dumpflow plan`). */
  readonly chunkMessageBytesPerEvent: number;
  readonly decode: DecodeBenchResult;
  readonly throughput: ThroughputFigures;
  readonly targets: readonly TargetCheck[];
}

const ratio = (baseline: number, project: number): number | null => (project > 0 ? baseline / project : null);

export function ratiosOf(
  project: CapacityTotals & { wallMs: number },
  baseline: CapacityTotals & { wallMs: number },
): Ratios {
  return {
    readUnitsRatio: ratio(baseline.readUnits, project.readUnits),
    writeUnitsRatio: ratio(baseline.writeUnits, project.writeUnits),
    requestsRatio: ratio(baseline.requests, project.requests),
    speedup: ratio(baseline.wallMs, project.wallMs),
  };
}

export async function createBenchTable(client: DynamoDBClient, name: string): Promise<void> {
  // No stream: a second streamed table slows DynamoDB Local to a crawl; the bench measures writes.
  await createTable(client, name, { stream: false });
}

export interface Paths {
  readonly client: DynamoDBClient;
  readonly projectTable: string;
  readonly baselineTable: string;
}

let refCounter = 0;

async function runProject(paths: Paths, dump: DecodedDump, chunkConcurrency: number) {
  const start = performance.now();
  const result = await ingestInProcess(
    {
      client: paths.client,
      tableName: paths.projectTable,
      now: DEFAULT_NOW,
      saltBuckets: 10,
      chunkConcurrency,
    },
    // Each upload is a new S3 object, as a re-upload would be.
    { bucket: 'bench', key: `upload-${++refCounter}.dump`, version: '1' },
    dump,
    Date.now(),
  );
  const wallMs = performance.now() - start;
  const capacity = new CapacityMeter();
  capacity.add(result.parserCapacity);
  capacity.add(result.workerCapacity);
  return {
    ...capacity.snapshot(),
    stored: result.completion?.totals.stored ?? 0,
    duplicates: result.completion?.totals.duplicates ?? 0,
    wallMs,
    chunks: result.chunks,
    settledDays: result.settledDays,
  };
}

async function runBaseline(paths: Paths, dump: DecodedDump) {
  const start = performance.now();
  const result = await ingestBaseline(
    {
      client: paths.client,
      tableName: paths.baselineTable,
      now: DEFAULT_NOW,
      // The source reads the 45 days before it processes the upload, i.e. right after createdAt.
      windowEnd: dump.header.createdAt,
    },
    dump,
  );
  const wallMs = performance.now() - start;
  return {
    ...result.capacity,
    stored: result.stored,
    duplicates: result.duplicates,
    wallMs,
    itemsRead: result.itemsRead,
    emptyQueries: result.emptyQueries,
    daysRead: result.daysRead,
  };
}

function emptyKind(): KindFigures {
  const path = { readUnits: 0, writeUnits: 0, requests: 0, stored: 0, duplicates: 0, wallMs: 0 };
  return { uploads: 0, days: 0, records: 0, project: { ...path, chunks: 0 }, baseline: { ...path } };
}

function addKind(
  target: KindFigures,
  days: number,
  records: number,
  p: PathFigures & { chunks: number },
  b: PathFigures,
): KindFigures {
  const sum = <T extends PathFigures>(x: T, y: PathFigures): PathFigures => ({
    readUnits: x.readUnits + y.readUnits,
    writeUnits: x.writeUnits + y.writeUnits,
    requests: x.requests + y.requests,
    stored: x.stored + y.stored,
    duplicates: x.duplicates + y.duplicates,
    wallMs: x.wallMs + y.wallMs,
  });
  return {
    uploads: target.uploads + 1,
    days: target.days + days,
    records: target.records + records,
    project: { ...sum(target.project, p), chunks: target.project.chunks + p.chunks },
    baseline: sum(target.baseline, b),
  };
}

/** Chunk message bytes per event for a dump none of whose days are stored yet. */
export function chunkBytesPerEvent(dump: DecodedDump): number {
  const prepared = prepareDump(dump, { now: DEFAULT_NOW });
  let bytes = 0;
  let events = 0;
  for (const plan of planChunks(prepared, prepared.days)) {
    bytes += Buffer.byteLength(
      chunkMessageBody(buildChunkMessage(prepared, plan, { dumpId: 'bench', uploadedAt: 0 })),
    );
    events += plan.end - plan.start;
  }
  return events > 0 ? bytes / events : 0;
}

/** The source's upload mix: devices with overlapping uploads, as `dumpflow generate` makes them. */
export async function compareMix(
  paths: Paths,
  scale: Scale,
  log: (line: string) => void,
): Promise<{ mix: MixComparison; emptyQueries: number }> {
  let total = emptyKind();
  let mixEmptyQueries = 0;
  const byKind: Partial<Record<UploadKind, KindFigures>> = {};
  for (const generated of generateDumps({
    devices: scale.mixDevices,
    uploadsPerDevice: scale.mixUploadsPerDevice,
    eventsPerDay: scale.eventsPerDay,
    // Device indices 0.. (the single dumps above use 1,000..); the seed's mix depends on them.
    firstDevice: 0,
    seed: scale.mixSeed,
  })) {
    const dump = decodeDump(generated.bytes);
    const project = await runProject(paths, dump, scale.chunkConcurrency);
    const baseline = await runBaseline(paths, dump);
    mixEmptyQueries += baseline.emptyQueries;
    total = addKind(total, generated.coverageDays, dump.events.length, project, baseline);
    byKind[generated.kind] = addKind(
      byKind[generated.kind] ?? emptyKind(),
      generated.coverageDays,
      dump.events.length,
      project,
      baseline,
    );
  }
  const shares = { week: 0, quarter: 0, year: 0 };
  for (const kind of ['week', 'quarter', 'year'] as const) {
    shares[kind] = (byKind[kind]?.uploads ?? 0) / total.uploads;
  }
  const mix: MixComparison = {
    devices: scale.mixDevices,
    uploadsPerDevice: scale.mixUploadsPerDevice,
    uploads: total.uploads,
    shares,
    byKind,
    total,
    ratios: ratiosOf(total.project, total.baseline),
    sameStoredCount: total.project.stored === total.baseline.stored,
  };
  log(
    `mix: ${total.uploads} uploads (week ${shares.week.toFixed(2)}, quarter ${shares.quarter.toFixed(2)}, year ${shares.year.toFixed(2)}): RCU project ${total.project.readUnits.toFixed(0)} vs baseline ${total.baseline.readUnits.toFixed(0)} (${mix.ratios.readUnitsRatio?.toFixed(0)}x), stored ${total.project.stored} vs ${total.baseline.stored}`,
  );
  return { mix, emptyQueries: mixEmptyQueries };
}

export function benchMachine(): CompareBenchResult['machine'] {
  return {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtEnd: os.loadavg()[0]!,
  };
}

export async function runCompareBench(options: CompareBenchOptions = {}): Promise<CompareBenchResult> {
  const quick = options.quick === true;
  const scale = quick ? QUICK_SCALE : FULL_SCALE;
  const log = options.log ?? (() => undefined);
  const began = performance.now();
  const startedAt = new Date().toISOString();

  const dynamo = options.endpoint ? undefined : await startDynamoDbLocal({ jvmArgs: ['-Xmx4g'] });
  const client = new DynamoDBClient({
    endpoint: options.endpoint ?? dynamo!.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 6,
  });
  const suffix = Date.now().toString(36);
  const paths: Paths = {
    client,
    projectTable: `bench-project-${suffix}`,
    baselineTable: `bench-baseline-${suffix}`,
  };
  const tables = [paths.projectTable, paths.baselineTable];
  try {
    for (const table of tables) await createBenchTable(client, table);

    // 1. One dump per length, uploaded twice (the second time as a new object with the same bytes).
    const dumps: DumpComparison[] = [];
    let bytesPerEvent = 0;
    for (const [index, days] of scale.dumpDays.entries()) {
      const generated = generateSingleDump({
        days,
        eventsPerDay: scale.eventsPerDay,
        firstDevice: 1_000 + index,
      });
      const dump = decodeDump(generated.bytes);
      if (index === scale.dumpDays.length - 1) bytesPerEvent = chunkBytesPerEvent(dump);
      for (const pass of ['first-upload', 're-upload'] as const) {
        const project = await runProject(paths, dump, scale.chunkConcurrency);
        const baseline = await runBaseline(paths, dump);
        const { chunks, settledDays, ...projectPath } = project;
        const row: DumpComparison = {
          days,
          pass,
          records: dump.events.length,
          project: {
            ...projectPath,
            chunks,
            settledDays,
            writeUnitsPerStoredEvent: project.stored > 0 ? project.writeUnits / project.stored : null,
          },
          baseline,
          ratios: ratiosOf(project, baseline),
        };
        dumps.push(row);
        log(formatDumpRow(row));
      }
    }

    // 2. The source's upload mix.
    const { mix, emptyQueries: mixEmptyQueries } = await compareMix(paths, scale, log);
    const { total } = mix;

    // 3. The end-to-end local pipeline on this DynamoDB Local, then its raw write ceiling.
    const measured = await runPipelineBench({
      ...scale.pipeline,
      ceilingConcurrency: scale.pipeline.workers * 8,
      ...(dynamo === undefined
        ? { dynamoEndpoint: options.endpoint! }
        : { dynamoEndpoint: dynamo.endpoint, dynamoPid: dynamo.pid }),
      log,
    });
    const throughput: ThroughputFigures = {
      pipelineScope:
        'startLocalPipeline: S3 upload, emulated notification, parser, fan-out queue, workers, DynamoDB Local, stream, KPI; events stored from the first upload to the last dump COMPLETE',
      pipeline: { ...measured.workload, ...measured.pipeline },
      ceiling: measured.ceiling,
      pipelineToCeilingRatio: measured.pipelineToCeilingRatio,
    };

    // 4. Decode on one core next to Buffer.copy of the same bytes (a ~1.1-million-record dump).
    const decode = runDecodeBench({
      runs: scale.decodeRuns,
      warmup: quick ? 2 : 5,
      eventsPerDay: scale.decodeEventsPerDay,
    });
    log(
      `decode: ${(decode.eventsPerSecond / 1e6).toFixed(1)} M events/s, ${decode.ratioToFreshCopy.toFixed(1)}x a Buffer.copy into a fresh buffer`,
    );

    const firstUploads = dumps.filter((d) => d.pass === 'first-upload');
    const reUploads = dumps.filter((d) => d.pass === 're-upload');
    const maxWuPerEvent = Math.max(...firstUploads.map((d) => d.project.writeUnitsPerStoredEvent ?? 0));
    const mixWuPerEvent = total.project.stored > 0 ? total.project.writeUnits / total.project.stored : null;
    const minSpeedup = Math.min(...reUploads.map((d) => d.ratios.speedup ?? 0));
    const withMin = ratio(
      withRequestMinimum(total.baseline.readUnits, mixEmptyQueries),
      total.project.readUnits,
    );
    const totalWallMs = performance.now() - began;
    const targets = benchTargets({
      mixReadUnitsRatio: mix.ratios.readUnitsRatio,
      mixReadUnitsRatioWithMinimum: withMin,
      mixWriteUnitsPerStoredEvent: mixWuPerEvent,
      worstFirstUploadWriteUnitsPerStoredEvent: maxWuPerEvent,
      worstReUploadSpeedup: minSpeedup,
      pipelineToCeilingRatio: throughput.pipelineToCeilingRatio,
      mixStoredDifference: total.project.stored - total.baseline.stored,
      // DynamoDB Local is stopped after this; its shutdown takes well under a second.
      ...(quick && { quickWallSeconds: totalWallMs / 1000 }),
    });
    return {
      command: quick ? 'dumpflow bench --quick --json' : 'dumpflow bench --json',
      quick,
      scale,
      note: quick
        ? `quick run: ${scale.eventsPerDay} events per device-day instead of 3,000 and a ${scale.mixDevices}x${scale.mixUploadsPerDevice}-upload mix; the baseline reads fewer bytes per day at this size, so its read-unit ratio is lower than at full scale. Pipeline: ${pipelineText(scale)} instead of ${pipelineText(FULL_SCALE)}; fewer events per chunk weigh the fixed per-chunk cost more, so its ratio to the ceiling is lower than at full scale`
        : `full run: 3,000 events per device-day; pipeline ${pipelineText(scale)}`,
      machine: benchMachine(),
      startedAt,
      totalWallMs,
      dumps,
      mix,
      mixWithRequestMinimum: {
        baselineReadUnits: withRequestMinimum(total.baseline.readUnits, mixEmptyQueries),
        readUnitsRatio: withMin,
      },
      chunkMessageBytesPerEvent: bytesPerEvent,
      decode,
      throughput,
      targets,
    };
  } finally {
    for (const table of tables) {
      await client.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    }
    client.destroy();
    await dynamo?.stop();
  }
}

function pipelineText(scale: Scale): string {
  const p = scale.pipeline;
  return `${p.dumps} dumps x ${p.days} days x ${p.eventsPerDay} events/day, ${p.workers} workers`;
}

const fixed = (x: number | null, digits = 1) => (x === null ? '-' : x.toFixed(digits));

export function formatDumpRow(r: DumpComparison): string {
  return [
    `${String(r.days).padStart(3)} days ${r.pass.padEnd(12)}`,
    `RCU ${fixed(r.project.readUnits).padStart(8)} vs ${fixed(r.baseline.readUnits).padStart(9)} (${fixed(r.ratios.readUnitsRatio, 0)}x; +${r.baseline.emptyQueries} empty queries)`,
    `WCU ${fixed(r.project.writeUnits, 0).padStart(8)} vs ${fixed(r.baseline.writeUnits, 0).padStart(8)}`,
    `req ${String(r.project.requests).padStart(6)} vs ${String(r.baseline.requests).padStart(6)}`,
    `wall ${(r.project.wallMs / 1000).toFixed(2)} s vs ${(r.baseline.wallMs / 1000).toFixed(2)} s (${fixed(r.ratios.speedup)}x)`,
  ].join(' | ');
}

/** Human-readable report: the tables of docs/benchmarks.md. */
export function formatCompareBench(r: CompareBenchResult): string {
  const lines = [
    `dumpflow bench${r.quick ? ' --quick' : ''}: ${r.note}`,
    `machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}; total ${(r.totalWallMs / 1000).toFixed(0)} s`,
    '',
    'per dump: project vs baseline (source design)',
    ...r.dumps.map(formatDumpRow),
    '',
    `upload mix (${r.mix.uploads} uploads of ${r.mix.devices} devices; week ${r.mix.shares.week.toFixed(2)}, quarter ${r.mix.shares.quarter.toFixed(2)}, year ${r.mix.shares.year.toFixed(2)}):`,
    `  read units ${r.mix.total.project.readUnits.toFixed(0)} vs ${r.mix.total.baseline.readUnits.toFixed(0)} (readUnitsRatio ${fixed(r.mix.ratios.readUnitsRatio)}), write units ${r.mix.total.project.writeUnits.toFixed(0)} vs ${r.mix.total.baseline.writeUnits.toFixed(0)}, stored ${r.mix.total.project.stored} vs ${r.mix.total.baseline.stored}`,
    `  with AWS's 1-unit minimum for the baseline's empty Queries: baseline ${r.mixWithRequestMinimum.baselineReadUnits.toFixed(0)} read units, readUnitsRatio ${fixed(r.mixWithRequestMinimum.readUnitsRatio)}`,
    `decode: ${(r.decode.eventsPerSecond / 1e6).toFixed(1)} M events/s on one core (${r.decode.decodeMs.toFixed(0)} ms for ${r.decode.records} records; Buffer.copy ${r.decode.copyFreshMs.toFixed(0)} ms, ${r.decode.ratioToFreshCopy.toFixed(1)}x)`,
    `local pipeline: ${r.throughput.pipeline.events} events (${r.throughput.pipeline.dumps} dumps x ${r.throughput.pipeline.days} days x ${r.throughput.pipeline.eventsPerDay} events/day, ${r.throughput.pipeline.workers} workers) in ${r.throughput.pipeline.seconds.toFixed(1)} s = ${Math.round(r.throughput.pipeline.eventsPerSecond)} events/s, first upload to last COMPLETE`,
    `raw write ceiling: ${r.throughput.ceiling.items} items in ${r.throughput.ceiling.seconds.toFixed(1)} s = ${Math.round(r.throughput.ceiling.itemsPerSecond)} items/s (BatchWriteItem, ${r.throughput.ceiling.concurrency} in flight, same table and DynamoDB Local); pipelineToCeilingRatio ${fixed(r.throughput.pipelineToCeilingRatio, 2)}`,
    '',
    'targets:',
    ...r.targets.map(
      (t) =>
        `  ${t.met ? 'met    ' : 'NOT MET'} ${t.name}: ${t.measured === null ? '-' : t.measured.toFixed(3)} (target ${t.target})`,
    ),
  ];
  return lines.join('\n');
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  runCompareBench({ quick, log: (line) => process.stderr.write(`${line}\n`) }).then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (error: unknown) => {
      console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
      process.exitCode = 1;
    },
  );
}
