/**
 * Storage benchmark (storage layout 2): the parser shortcut, chunking and writeChunk for a 7-, a
 * 90- and a 365-day dump (~3,000 events a day), each processed fresh and then re-uploaded (a new
 * object, same bytes), each in its own table so a Scan afterwards gives its billed storage; the
 * stored days read back with the product's reader; a dense day (one device at 100x the usual
 * rate) for the busiest partition key; and the source design's write path (bench/baseline.ts) on
 * the same fresh 365-day dump, in its own table on the same DynamoDB Local.
 * Run: `npx tsx bench/storage.ts [--days 7,90,365] [--events-per-day 3000] [--concurrency 4]
 *       [--dense-events 300000] [--no-baseline] [--json]`.
 *
 * Units are as AWS bills the requests (local/aws-billing.ts), with DynamoDB Local's own count
 * beside them; wall times are DynamoDB Local's on this machine, not DynamoDB's.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_NOW, generateSingleDump } from '../generator';
import { decodeDump } from '../lambdas/core/dump';
import type { DecodedDump } from '../lambdas/core/dump/types';
import { prepareDump } from '../lambdas/core/storage/prepare';
import { createTable } from '../lambdas/core/storage/table';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { ingestBaseline } from './baseline';
import { benchClient, metered, meteredIngest, type BenchClient } from './bench-client';
import { billedBytesPerEvent, ITEM_OVERHEAD_BYTES, scanBilledStorage } from './billed-storage';
import { readDaysOneByOne, readWholeRange, summariesOf } from './read-back';
import { formatStorageBench } from './storage-format';
import type { BaselineRun, DumpFigures, StorageBenchResult, StoragePass } from './storage-types';
import { denseDayDump } from './synthetic-days';
import { measureHash } from './hash-speed';
import { checkTargets } from './targets';

export interface StorageBenchOptions {
  /** Dump lengths in days. @default [7, 90, 365] */
  readonly days?: readonly number[];
  /** @default 3000 */
  readonly eventsPerDay?: number;
  /** Chunks written at once (in-process workers). @default 4 */
  readonly concurrency?: number;
  /** Events of the dense day (0: none). @default 300000 */
  readonly denseEvents?: number;
  /** Run the source design on the longest fresh dump. @default true */
  readonly baseline?: boolean;
  readonly log?: (line: string) => void;
}

let tables = 0;

async function newTable(bench: BenchClient, label: string): Promise<string> {
  const name = `storage-${label}-${Date.now().toString(36)}-${++tables}`;
  // No stream: the bench measures the write path; DynamoDB Local slows down with big streamed tables.
  await createTable(bench.dynamodb, name, { stream: false });
  return name;
}

async function pass(
  bench: BenchClient,
  tableName: string,
  dump: DecodedDump,
  label: { days: number; pass: StoragePass['pass']; key: string },
  concurrency: number,
): Promise<StoragePass> {
  const prepareStart = performance.now();
  prepareDump(dump, { now: DEFAULT_NOW });
  const prepareMs = performance.now() - prepareStart;
  const m = await meteredIngest(bench, tableName, dump, { key: label.key, chunkConcurrency: concurrency });
  const stored = m.result.completion?.totals.stored ?? 0;
  const { aws, dynamodbLocal } = m.capacity;
  return {
    days: label.days,
    pass: label.pass,
    records: dump.events.length,
    stored,
    duplicates: m.result.completion?.totals.duplicates ?? 0,
    chunks: m.result.chunks,
    settledDays: m.result.settledDays,
    requests: m.capacity.requests,
    aws,
    dynamodbLocal,
    writeUnitsPerStoredEvent:
      stored > 0 ? { aws: aws.writeUnits / stored, dynamodbLocal: dynamodbLocal.writeUnits / stored } : null,
    wallMs: m.wallMs,
    prepareMs,
    partitions: bench.partitions.report(),
  };
}

/** Fresh, storage, read-back and re-upload of one dump in its own table. */
async function dumpFigures(
  bench: BenchClient,
  dump: DecodedDump,
  days: number,
  concurrency: number,
  log: (line: string) => void,
): Promise<DumpFigures> {
  const tableName = await newTable(bench, `${days}d`);
  const fresh = await pass(
    bench,
    tableName,
    dump,
    { days, pass: 'fresh', key: `${days}-fresh.dump` },
    concurrency,
  );
  log(`${days} days fresh: ${fresh.stored} stored in ${(fresh.wallMs / 1000).toFixed(1)} s`);
  const storage = await scanBilledStorage(bench.dynamodb, tableName);
  const { patientId, deviceId } = dump.header;
  const summaries = await summariesOf(bench, tableName, patientId, deviceId);
  const oneDay = await readDaysOneByOne(bench, tableName, summaries);
  const wholeRange = await readWholeRange(bench, tableName, patientId, deviceId);
  const reUpload = await pass(
    bench,
    tableName,
    dump,
    { days, pass: 're-upload', key: `${days}-again.dump` },
    concurrency,
  );
  log(
    `${days} days re-upload: ${reUpload.settledDays} days settled in ${(reUpload.wallMs / 1000).toFixed(2)} s`,
  );
  return { days, fresh, reUpload, storage, bytesPerEvent: billedBytesPerEvent(storage), oneDay, wholeRange };
}

async function baselineRun(bench: BenchClient, dump: DecodedDump, days: number): Promise<BaselineRun> {
  const tableName = await newTable(bench, 'baseline');
  bench.partitions.reset();
  const m = await metered(bench, () =>
    ingestBaseline(
      { dynamodb: bench.dynamodb, tableName, now: DEFAULT_NOW, windowEnd: dump.header.createdAt },
      dump,
    ),
  );
  // Billed storage from the items put (a Scan of 1.1 million items takes longer than writing them
  // here): every event item is its own put, under a salt-digit key class.
  const partitions = bench.partitions.report();
  let items = 0;
  let bytes = 0;
  for (const [cls, put] of Object.entries(partitions.putsByClass)) {
    if (!/^\d+$/.test(cls)) continue;
    items += put.items;
    bytes += put.bytes;
  }
  const billed = items > 0 ? (bytes + ITEM_OVERHEAD_BYTES * items) / m.result.stored : null;
  return {
    days,
    stored: m.result.stored,
    emptyQueries: m.result.emptyQueries,
    requests: m.capacity.requests,
    aws: m.capacity.aws,
    dynamodbLocal: m.capacity.dynamodbLocal,
    wallMs: m.wallMs,
    readMs: m.result.readMs,
    writeMs: m.result.writeMs,
    partitions,
    bytesPerEvent: billed === null ? null : { perDayItems: billed, allItems: billed },
  };
}

export async function runStorageBench(options: StorageBenchOptions = {}): Promise<StorageBenchResult> {
  const log = options.log ?? (() => undefined);
  const concurrency = options.concurrency ?? 4;
  const dynamo = await startDynamoDbLocal({ jvmArgs: ['-Xmx4g'] });
  const bench = benchClient(dynamo.endpoint);
  try {
    const hashNsPerEvent = measureHash();
    const dumps: DumpFigures[] = [];
    let longest: { dump: DecodedDump; days: number } | undefined;
    for (const [index, days] of (options.days ?? [7, 90, 365]).entries()) {
      const generated = generateSingleDump({
        days,
        eventsPerDay: options.eventsPerDay ?? 3000,
        firstDevice: index,
      });
      const dump = decodeDump(generated.bytes);
      dumps.push(await dumpFigures(bench, dump, days, concurrency, log));
      if (longest === undefined || days > longest.days) longest = { dump, days };
    }

    let dense: StorageBenchResult['dense'] = null;
    if ((options.denseEvents ?? 300_000) > 0) {
      const { bytes } = denseDayDump(options.denseEvents ?? 300_000);
      const dump = decodeDump(bytes);
      dense = await dumpFigures(bench, dump, 1, concurrency, log);
    }

    let baseline: BaselineRun | null = null;
    if (options.baseline !== false && longest !== undefined) {
      log(`source design: ${longest.days}-day dump fresh (one item per event)...`);
      baseline = await baselineRun(bench, longest.dump, longest.days);
      log(`source design: ${baseline.stored} stored in ${(baseline.wallMs / 1000).toFixed(1)} s`);
    }
    const ours = dumps.find((d) => d.days === longest?.days)?.fresh;
    const freshSpeedup =
      baseline !== null && ours !== undefined && ours.wallMs > 0 ? baseline.wallMs / ours.wallMs : null;
    const worst = (values: readonly (number | null | undefined)[]) =>
      values.some((v) => v === null || v === undefined) ? null : Math.max(...(values as number[]));
    const dayReads = dumps.map((d) => d.oneDay.awsReadUnits?.max).filter((v) => v !== undefined);
    return {
      command: `npx tsx bench/storage.ts ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt: new Date().toISOString(),
      hashNsPerEvent,
      dumps,
      dense,
      baseline,
      freshSpeedupOverBaseline: freshSpeedup,
      targets: checkTargets({
        writeUnitsPerStoredEvent: worst(dumps.map((d) => d.fresh.writeUnitsPerStoredEvent?.aws)),
        billedBytesPerStoredEvent: worst(dumps.map((d) => d.bytesPerEvent?.perDayItems)),
        ...(dayReads.length > 0 && { dayReadUnits: Math.max(...dayReads) }),
        ...(baseline !== null && { freshSpeedup }),
      }),
    };
  } finally {
    bench.dynamodb.destroy();
    await dynamo.stop();
  }
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      days: { type: 'string' },
      'events-per-day': { type: 'string' },
      concurrency: { type: 'string' },
      'dense-events': { type: 'string' },
      'no-baseline': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const log = (line: string) => process.stderr.write(`${line}\n`);
  runStorageBench({
    ...(values.days !== undefined && { days: values.days.split(',').map(Number) }),
    ...(values['events-per-day'] !== undefined && { eventsPerDay: Number(values['events-per-day']) }),
    ...(values.concurrency !== undefined && { concurrency: Number(values.concurrency) }),
    ...(values['dense-events'] !== undefined && { denseEvents: Number(values['dense-events']) }),
    baseline: values['no-baseline'] !== true,
    log,
  }).then(
    (result) =>
      process.stdout.write(
        values.json === true ? `${JSON.stringify(result, null, 2)}\n` : `${formatStorageBench(result)}\n`,
      ),
    (error: unknown) => {
      console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
      process.exitCode = 1;
    },
  );
}
