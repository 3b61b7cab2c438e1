/**
 * Side-by-side benchmark: the product's storage path (ingestInProcess: whole-day shortcut, chunks,
 * digests) against the source design's dedupe (bench/baseline.ts) on the same generated dumps and
 * the same DynamoDB Local process, plus decode throughput and the write ceiling of that process.
 * Used by `dumpflow bench`; run directly with `npx tsx bench/compare.ts [--quick] [--json]`.
 *
 * DynamoDB Local reports consumed capacity the way DynamoDB does, so units and requests carry to
 * AWS; wall times are this machine's DynamoDB Local (one JVM), not DynamoDB's.
 */
import * as os from 'node:os';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DEFAULT_NOW, generateDumps, generateSingleDump, type UploadKind } from '../generator';
import { decodeDump } from '../lambdas/core/dump';
import type { DecodedDump } from '../lambdas/core/dump/types';
import { batchWriteAll, type Item } from '../lambdas/core/storage/batch-writer';
import { CapacityMeter, type CapacityTotals } from '../lambdas/core/storage/capacity';
import { buildChunkMessage, chunkMessageBody, planChunks } from '../lambdas/core/storage/chunks';
import { valueAttribute } from '../lambdas/core/storage/event-item';
import { ingestInProcess } from '../lambdas/core/storage/in-process';
import { dayTtl, eventPk, eventSk } from '../lambdas/core/storage/keys';
import { prepareDump } from '../lambdas/core/storage/prepare';
import { createTableInput } from '../lambdas/core/storage/table';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { ingestBaseline } from './baseline';
import { runDecodeBench, type DecodeBenchResult } from './decode';

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
  /** Most items the raw write ceiling writes (the rate is steady long before). */
  readonly ceilingMaxItems: number;
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
  ceilingMaxItems: 200_000,
  decodeRuns: 15,
  decodeEventsPerDay: 3050,
};

/** Quick: the same dumps and mix with 50 events per device-day instead of 3,000. */
export const QUICK_SCALE: Scale = {
  ...FULL_SCALE,
  eventsPerDay: 50,
  decodeRuns: 5,
  decodeEventsPerDay: 1000,
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
  /** What `pipeline` measures: see `pipelineScope`. */
  readonly pipelineScope: string;
  readonly pipelineEvents: number;
  readonly pipelineEventsPerSecond: number;
  /** Raw BatchWriteItem (25 items, 8 in flight) of the same number of event items into an empty table. */
  readonly ceilingEvents: number;
  readonly ceilingEventsPerSecond: number;
  /** pipeline / ceiling. */
  readonly pipelineToCeilingRatio: number;
}

export interface TargetCheck {
  readonly name: string;
  readonly target: string;
  readonly measured: number | null;
  readonly met: boolean;
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

async function createBenchTable(client: DynamoDBClient, name: string): Promise<void> {
  // No stream: a second streamed table slows DynamoDB Local to a crawl; the bench measures writes.
  await client.send(new CreateTableCommand(createTableInput(name, { stream: false })));
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: name });
}

interface Paths {
  readonly client: DynamoDBClient;
  readonly projectTable: string;
  readonly baselineTable: string;
}

let refCounter = 0;

async function runProject(paths: Paths, dump: DecodedDump) {
  const start = performance.now();
  const result = await ingestInProcess(
    {
      client: paths.client,
      tableName: paths.projectTable,
      now: DEFAULT_NOW,
      saltBuckets: 10,
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
function chunkBytesPerEvent(dump: DecodedDump): number {
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

function ceilingItems(dump: DecodedDump, count: number): Item[] {
  const e = dump.events;
  const items: Item[] = [];
  for (let k = 0; k < e.length && items.length < count; k++) {
    const day = e.dayNumber[k]!;
    items.push({
      pk: { S: eventPk(k % 10, day, 'CEILING', dump.header.deviceId) },
      sk: { S: `${eventSk(e.msOfDay[k]!, e.seq[k]!, e.type[k]!)}-${k}` },
      ts: { N: String(e.timestamp[k]!) },
      seq: { N: String(e.seq[k]!) },
      type: { N: String(e.type[k]!) },
      flags: { N: String(e.flags[k]!) },
      value: valueAttribute(e.value[k]!),
      duration: { N: String(e.duration[k]!) },
      ttl: { N: String(dayTtl(day)) },
    });
  }
  return items;
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
  const ceilingTable = `bench-ceiling-${suffix}`;
  const tables = [paths.projectTable, paths.baselineTable, ceilingTable];
  try {
    for (const table of tables) await createBenchTable(client, table);

    // 1. One dump per length, uploaded twice (the second time as a new object with the same bytes).
    const dumps: DumpComparison[] = [];
    let longest: { dump: DecodedDump; stored: number; wallMs: number } | undefined;
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
        const project = await runProject(paths, dump);
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
        if (pass === 'first-upload' && (longest === undefined || project.stored > longest.stored)) {
          longest = { dump, stored: project.stored, wallMs: project.wallMs };
        }
      }
    }

    // 2. Raw write ceiling of this DynamoDB Local: as many items as the longest dump stored.
    const items = ceilingItems(longest!.dump, Math.min(longest!.stored, scale.ceilingMaxItems));
    const ceilingStart = performance.now();
    await batchWriteAll(client, ceilingTable, items, { concurrency: 8 });
    const ceilingMs = performance.now() - ceilingStart;
    const throughput: ThroughputFigures = {
      pipelineScope:
        "in-process storage path (ingestInProcess: claim, prepare, whole-day check, chunk messages, writeChunk with digests and summaries) of the longest dump's first upload, DynamoDB Local; not S3/SQS/Lambda",
      pipelineEvents: longest!.stored,
      pipelineEventsPerSecond: longest!.stored / (longest!.wallMs / 1000),
      ceilingEvents: items.length,
      ceilingEventsPerSecond: items.length / (ceilingMs / 1000),
      pipelineToCeilingRatio:
        longest!.stored / (longest!.wallMs / 1000) / (items.length / (ceilingMs / 1000)),
    };
    log(
      `throughput: storage path ${Math.round(throughput.pipelineEventsPerSecond)} events/s, raw BatchWriteItem ${Math.round(throughput.ceilingEventsPerSecond)} items/s (${(throughput.pipelineToCeilingRatio * 100).toFixed(0)}%)`,
    );

    // 3. The source's upload mix: devices with overlapping uploads, as `dumpflow generate` makes them.
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
      const project = await runProject(paths, dump);
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
    const targets: TargetCheck[] = [
      {
        name: 'readUnitsRatio on the upload mix',
        target: '>= 100 (baseline / project)',
        measured: mix.ratios.readUnitsRatio,
        met: (mix.ratios.readUnitsRatio ?? 0) >= 100,
      },
      {
        name: "readUnitsRatio on the upload mix, AWS's 1-unit minimum for empty Queries",
        target: '>= 100 (baseline / project)',
        measured: withMin,
        met: (withMin ?? 0) >= 100,
      },
      {
        name: 'write units per newly stored event, upload mix',
        target: '<= 1.05',
        measured: mixWuPerEvent,
        met: mixWuPerEvent !== null && mixWuPerEvent <= 1.05,
      },
      {
        name: 'write units per newly stored event, worst single first upload',
        target: '<= 1.05',
        measured: maxWuPerEvent,
        met: maxWuPerEvent <= 1.05,
      },
      {
        name: 're-upload speedup (baseline wall / project wall), worst dump length',
        target: '>= 50',
        measured: minSpeedup,
        met: minSpeedup >= 50,
      },
      {
        name: 'storage path / raw write ceiling',
        target: '>= 0.8',
        measured: throughput.pipelineToCeilingRatio,
        met: throughput.pipelineToCeilingRatio >= 0.8,
      },
      {
        name: 'same stored events as the baseline on the mix',
        target: 'equal',
        measured: total.project.stored - total.baseline.stored,
        met: mix.sameStoredCount,
      },
    ];
    return {
      command: quick ? 'dumpflow bench --quick --json' : 'dumpflow bench --json',
      quick,
      scale,
      note: quick
        ? `quick run: ${scale.eventsPerDay} events per device-day instead of 3,000 and a ${scale.mixDevices}x${scale.mixUploadsPerDevice}-upload mix; the baseline reads fewer bytes per day at this size, so its read-unit ratio is lower than at full scale`
        : 'full run: 3,000 events per device-day',
      machine: {
        node: process.version,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        cores: os.cpus().length,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        platform: `${os.platform()} ${os.release()}`,
        loadAverageAtEnd: os.loadavg()[0]!,
      },
      startedAt,
      totalWallMs: performance.now() - began,
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
    `throughput: ${Math.round(r.throughput.pipelineEventsPerSecond)} events/s (${r.throughput.pipelineScope}) vs raw BatchWriteItem ${Math.round(r.throughput.ceilingEventsPerSecond)} items/s: ${(r.throughput.pipelineToCeilingRatio * 100).toFixed(0)}%`,
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
