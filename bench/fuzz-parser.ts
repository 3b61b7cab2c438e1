/**
 * Bad-input fuzz of the parser: mutated valid dumps (bit flips, truncation, extension, header field
 * edits with and without resealed CRCs, random overwrites, varied headerSize/recordSize) and random
 * buffers. Every case goes through decodeDump and the spec's checks; a sample also goes end to end
 * through parseDump against fauxqs S3/SQS and DynamoDB Local. Failures must be 0.
 *
 *   npx tsx bench/fuzz-parser.ts --runs 100000 [--e2e 1000] [--seed 1] [--case-limit-ms 2000] [--simulate-hang]
 *
 * No-hang guard: a watchdog thread kills the process if one decode runs past the per-case limit
 * (a synchronous hang cannot be interrupted from its own thread); end-to-end cases race a timer.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { createTable } from '../lambdas/core/storage/table';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { startLocalS3Sqs } from '../local/services/s3-sqs';
import { fuzzCase, judgeDecode, type FuzzCase } from '../test/factories/dump-mutations';
import { checkParseDumpCase } from '../test/integration/support/parse-dump-check';

interface Options {
  readonly runs: number;
  readonly e2e: number;
  readonly seed: number;
  readonly caseLimitMs: number;
  /** Spin in the first decode case past the limit, to see the guard fire. */
  readonly simulateHang: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const value = (name: string, fallback: number): number => {
    const at = argv.indexOf(`--${name}`);
    if (at < 0) return fallback;
    const parsed = Number(argv[at + 1]);
    if (!Number.isInteger(parsed) || parsed < 0) {
      throw new Error(`--${name} needs a whole number, got "${argv[at + 1] ?? ''}"`);
    }
    return parsed;
  };
  const runs = value('runs', 100_000);
  return {
    runs,
    e2e: Math.min(runs, value('e2e', Math.min(1000, Math.ceil(runs / 100)))),
    seed: value('seed', 1),
    caseLimitMs: value('case-limit-ms', 2000),
    simulateHang: argv.includes('--simulate-hang'),
  };
}

const BATCH = 1000;

/** Cases in a reproducible order: batch b is fc.sample(fuzzCase, { seed: seed + b }). */
function* cases(seed: number, count: number): Generator<{ fuzz: FuzzCase; id: string }> {
  for (let batch = 0; batch * BATCH < count; batch++) {
    const size = Math.min(BATCH, count - batch * BATCH);
    const sample = fc.sample(fuzzCase, { numRuns: size, seed: seed + batch });
    for (let i = 0; i < sample.length; i++) yield { fuzz: sample[i]!, id: `seed ${seed + batch} #${i}` };
  }
}

/** Kills the process when the case marked in `shared` has run longer than the limit. */
function startWatchdog(shared: SharedArrayBuffer, limitMs: number): Worker {
  // The main thread is blocked during a hang, so the report is written straight to fd 2 (a worker's
  // process.stderr goes through the main thread) and the interval stays referenced (an unref'd one
  // would let the worker exit at once).
  const source = `
    const { workerData } = require('node:worker_threads');
    const { writeSync } = require('node:fs');
    const state = new Float64Array(workerData.shared);
    setInterval(() => {
      const [caseIndex, startedAt] = state;
      if (startedAt > 0 && Date.now() - startedAt > workerData.limitMs) {
        writeSync(2, 'HANG: decode case ' + caseIndex + ' (in generation order) ran past ' + workerData.limitMs + ' ms\\n');
        process.kill(process.pid, 'SIGKILL');
      }
    }, 100);
  `;
  const worker = new Worker(source, { eval: true, workerData: { shared, limitMs } });
  worker.unref();
  return worker;
}

async function withTimeout<T>(work: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} ran past ${limitMs} ms`)), limitMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function countInto(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function table(map: Map<string, number>): string {
  return [...map.entries()]
    .sort(([, a], [, b]) => b - a)
    .map(([code, n]) => `    ${code.padEnd(16)} ${n}`)
    .join('\n');
}

async function decodePhase(options: Options) {
  const shared = new SharedArrayBuffer(16);
  const state = new Float64Array(shared);
  const watchdog = startWatchdog(shared, options.caseLimitMs);
  const rejections = new Map<string, number>();
  const failures: string[] = [];
  let accepted = 0;
  let slowest = { ms: 0, id: '', label: '', bytes: 0 };
  const started = performance.now();
  let index = 0;
  for (const { fuzz, id } of cases(options.seed, options.runs)) {
    state[0] = index++;
    state[1] = Date.now();
    const t0 = performance.now();
    if (options.simulateHang && index === 1) while (Date.now() - state[1] <= options.caseLimitMs + 500);
    const judged = judgeDecode(fuzz);
    const ms = performance.now() - t0;
    state[1] = 0;
    if (ms > slowest.ms) slowest = { ms, id, label: fuzz.label, bytes: fuzz.bytes.length };
    if ('failure' in judged) failures.push(`${id} (${fuzz.label}): ${judged.failure}`);
    else if (judged.verdict.kind === 'rejected') countInto(rejections, judged.verdict.code);
    else accepted++;
  }
  await watchdog.terminate();
  return { accepted, rejections, failures, slowest, seconds: (performance.now() - started) / 1000 };
}

async function endToEndPhase(options: Options) {
  const dynamo = await startDynamoDbLocal();
  const services = await startLocalS3Sqs({ namePrefix: 'fuzz' });
  const { s3, sqs } = services.clients();
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamodb = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials });
  const tableName = `fuzz-parser-${Date.now().toString(36)}`;
  const rejections = new Map<string, number>();
  const failures: string[] = [];
  let accepted = 0;
  let slowest = { ms: 0, id: '', label: '' };
  const started = performance.now();
  try {
    await createTable(dynamodb, tableName, { stream: false });
    const env = { s3, sqs, services, dynamodb, tableName };
    // A different seed range from the decode phase, so these cases add coverage.
    let n = 0;
    for (const { fuzz, id } of cases(options.seed + 1_000_000, options.e2e)) {
      const t0 = performance.now();
      try {
        const outcome = await withTimeout(
          checkParseDumpCase(env, fuzz, `fuzz/${++n}.bin`),
          options.caseLimitMs * 10,
          `end-to-end case ${id}`,
        );
        for (const failure of outcome.failures) failures.push(`${id} (${fuzz.label}): ${failure}`);
        if (outcome.verdict === 'accepted') accepted++;
        else countInto(rejections, outcome.code ?? '?');
      } catch (error) {
        failures.push(`${id} (${fuzz.label}): ${String(error)}`);
      }
      const ms = performance.now() - t0;
      if (ms > slowest.ms) slowest = { ms, id, label: fuzz.label };
    }
  } finally {
    await dynamodb.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    dynamodb.destroy();
    s3.destroy();
    sqs.destroy();
    await services.stop();
    await dynamo.stop();
  }
  return { accepted, rejections, failures, slowest, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const decode = await decodePhase(options);
  console.log(`decode level: ${options.runs} cases in ${decode.seconds.toFixed(1)} s (seed ${options.seed})`);
  console.log(
    `  accepted ${decode.accepted}, rejected ${options.runs - decode.accepted - decode.failures.length}`,
  );
  console.log(`  rejections by code:\n${table(decode.rejections)}`);
  console.log(
    `  slowest case: ${decode.slowest.ms.toFixed(2)} ms (${decode.slowest.id}: ${decode.slowest.label}, ${decode.slowest.bytes} bytes); limit ${options.caseLimitMs} ms`,
  );
  console.log(`  failures: ${decode.failures.length}`);
  for (const failure of decode.failures.slice(0, 20)) console.log(`    ${failure}`);

  const e2e = options.e2e > 0 ? await endToEndPhase(options) : undefined;
  if (e2e) {
    console.log(
      `end to end (parseDump, fauxqs S3/SQS, DynamoDB Local): ${options.e2e} cases in ${e2e.seconds.toFixed(1)} s`,
    );
    console.log(`  accepted ${e2e.accepted}, rejected ${options.e2e - e2e.accepted}`);
    console.log(`  rejections by code:\n${table(e2e.rejections)}`);
    console.log(`  slowest case: ${e2e.slowest.ms.toFixed(1)} ms (${e2e.slowest.id}: ${e2e.slowest.label})`);
    console.log(`  failures: ${e2e.failures.length}`);
    for (const failure of e2e.failures.slice(0, 20)) console.log(`    ${failure}`);
  }
  const total = decode.failures.length + (e2e?.failures.length ?? 0);
  console.log(
    `cases run: ${options.runs + options.e2e} (${options.runs} decode level + ${options.e2e} end to end); failures: ${total}`,
  );
  if (total > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
