/**
 * Storage benchmark: DynamoDB cost and wall time of the parser shortcut + chunking + writeChunk
 * for a 7-, a 90- and a 365-day dump (~3,000 events/day), each processed twice: fresh, then
 * re-uploaded (a new object with the same content). Starts its own DynamoDB Local.
 * Run: `npx tsx bench/storage.ts [--days 7,90,365] [--events-per-day 3000] [--concurrency 4]`.
 *
 * DynamoDB Local reports capacity units like DynamoDB does, so the units are the figures to
 * carry to AWS; wall times are DynamoDB Local's (one JVM on this machine), not DynamoDB's.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_NOW, generateSingleDump } from '../generator';
import { decodeDump } from '../lambdas/core/dump';
import { daySeed, eventHash, type Hash128 } from '../lambdas/core/storage/hash';
import { ingestInProcess } from '../lambdas/core/storage/in-process';
import { prepareDump } from '../lambdas/core/storage/prepare';
import { createTable } from '../lambdas/core/storage/table';
import { startDynamoDbLocal } from '../local/dynamodb-local';

export interface StorageBenchOptions {
  /** Dump lengths in days. @default [7, 90, 365] */
  readonly days?: readonly number[];
  /** @default 3000 */
  readonly eventsPerDay?: number;
  /** Chunks written at once (in-process workers). @default 4 */
  readonly concurrency?: number;
  /** Use this DynamoDB endpoint instead of starting DynamoDB Local. */
  readonly endpoint?: string;
  readonly log?: (line: string) => void;
}

export interface StoragePassResult {
  readonly days: number;
  readonly pass: 'fresh' | 're-upload';
  readonly records: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly chunks: number;
  readonly settledDays: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly requests: number;
  readonly wallMs: number;
  /** Parser-side pure work (prepare: sort, dedupe, hash) within wallMs. */
  readonly prepareMs: number;
  /** writeUnits / stored; undefined when nothing was stored. */
  readonly writeUnitsPerStoredEvent: number | undefined;
}

export interface StorageBenchResult {
  readonly passes: readonly StoragePassResult[];
  /** eventHash alone, ns per event (median of 5 runs over 1.1 M events). */
  readonly hashNsPerEvent: number;
}

function measureHash(): number {
  const runs: number[] = [];
  const out: Hash128 = [0, 0, 0, 0];
  const seed = daySeed('PATIENT', 'DEVICE', 20_000);
  let sink = 0;
  for (let r = 0; r < 6; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 1_100_000; i++) {
      eventHash(i * 37, i, (i % 10) + 1, i & 3, i * 0.5, i & 0xffff, seed, out);
      sink ^= out[0];
    }
    if (r > 0) runs.push(Number(process.hrtime.bigint() - start) / 1_100_000);
  }
  if (sink === 0.5) console.log(sink); // keeps the loop from being optimised away
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
}

export async function runStorageBench(options: StorageBenchOptions = {}): Promise<StorageBenchResult> {
  const log = options.log ?? (() => undefined);
  const dynamo = options.endpoint ? undefined : await startDynamoDbLocal({ jvmArgs: ['-Xmx4g'] });
  const endpoint = options.endpoint ?? dynamo!.endpoint;
  const client = new DynamoDBClient({
    endpoint,
    region: process.env['AWS_REGION'] ?? 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 6,
  });
  const tableName = `bench-storage-${Date.now().toString(36)}`;
  const passes: StoragePassResult[] = [];
  try {
    // No stream: the bench measures the write path; DynamoDB Local slows down with big streamed tables.
    await createTable(client, tableName, { stream: false });
    const hashNsPerEvent = measureHash();
    log(`eventHash: ${hashNsPerEvent.toFixed(1)} ns/event`);

    for (const [index, days] of (options.days ?? [7, 90, 365]).entries()) {
      const generated = generateSingleDump({
        days,
        eventsPerDay: options.eventsPerDay ?? 3000,
        firstDevice: index,
      });
      const dump = decodeDump(generated.bytes);
      for (const pass of ['fresh', 're-upload'] as const) {
        const prepareStart = performance.now();
        prepareDump(dump, { now: DEFAULT_NOW });
        const prepareMs = performance.now() - prepareStart;
        const start = performance.now();
        const result = await ingestInProcess(
          {
            client,
            tableName,
            now: DEFAULT_NOW,
            chunkConcurrency: options.concurrency ?? 4,
            saltBuckets: 10,
          },
          { bucket: 'bench', key: `${days}-day-${pass}.mdmp`, version: '1' },
          dump,
          Date.now(),
        );
        const wallMs = performance.now() - start;
        const readUnits = result.parserCapacity.readUnits + result.workerCapacity.readUnits;
        const writeUnits = result.parserCapacity.writeUnits + result.workerCapacity.writeUnits;
        const stored = result.completion?.totals.stored ?? 0;
        const row: StoragePassResult = {
          days,
          pass,
          records: dump.events.length,
          stored,
          duplicates: result.completion?.totals.duplicates ?? 0,
          chunks: result.chunks,
          settledDays: result.settledDays,
          readUnits,
          writeUnits,
          requests: result.parserCapacity.requests + result.workerCapacity.requests,
          wallMs,
          prepareMs,
          writeUnitsPerStoredEvent: stored > 0 ? writeUnits / stored : undefined,
        };
        passes.push(row);
        log(formatRow(row));
      }
    }
    return { passes, hashNsPerEvent };
  } finally {
    await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    client.destroy();
    await dynamo?.stop();
  }
}

export function formatRow(r: StoragePassResult): string {
  const perEvent = r.writeUnitsPerStoredEvent === undefined ? '-' : r.writeUnitsPerStoredEvent.toFixed(3);
  return [
    `${String(r.days).padStart(3)} days ${r.pass.padEnd(9)}`,
    `records ${String(r.records).padStart(9)}`,
    `stored ${String(r.stored).padStart(9)}`,
    `dup ${String(r.duplicates).padStart(9)}`,
    `chunks ${String(r.chunks).padStart(4)}`,
    `settled ${String(r.settledDays).padStart(3)}`,
    `RCU ${r.readUnits.toFixed(1).padStart(8)}`,
    `WCU ${r.writeUnits.toFixed(0).padStart(9)}`,
    `WCU/stored ${perEvent.padStart(6)}`,
    `requests ${String(r.requests).padStart(6)}`,
    `wall ${(r.wallMs / 1000).toFixed(2).padStart(7)} s`,
    `prepare ${r.prepareMs.toFixed(0).padStart(5)} ms`,
  ].join(' | ');
}

function parseArgs(argv: readonly string[]): StorageBenchOptions {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const days = value('--days');
  const eventsPerDay = value('--events-per-day');
  const concurrency = value('--concurrency');
  return {
    ...(days ? { days: days.split(',').map(Number) } : {}),
    ...(eventsPerDay ? { eventsPerDay: Number(eventsPerDay) } : {}),
    ...(concurrency ? { concurrency: Number(concurrency) } : {}),
  };
}

if (require.main === module) {
  runStorageBench({ ...parseArgs(process.argv.slice(2)), log: (line) => console.log(line) }).catch(
    (error) => {
      console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
      process.exitCode = 1;
    },
  );
}
