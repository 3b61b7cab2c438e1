/**
 * End-to-end local pipeline throughput next to the raw write ceiling of the same DynamoDB Local
 * process, measured in the same run: generated dumps go through startLocalPipeline (S3 upload,
 * emulated notification, parser, fan-out queue, workers, DynamoDB Local, stream, KPI), then the
 * ceiling writes as many plain event items into the same table right after.
 *
 * Run alone: `npx tsx bench/pipeline.ts --dumps 8 --days 7 --events-per-day 3000 --workers 4`
 * (handler logs go to .dumpflow/logs/bench-pipeline-<time>.jsonl; figures to stderr, JSON to stdout).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_NOW, generateSingleDump } from '../generator';
import { decodeDump } from '../lambdas/core/dump';
import { createTable } from '../lambdas/core/storage/table';
import type { DecodedDump } from '../lambdas/core/dump/types';
import { captureOutput } from '../local/capture-output';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { startLocalPipeline, type LocalDump } from '../local/pipeline';
import { ceilingItems, measureWriteCeiling, type CeilingFigures } from './ceiling';
import {
  parsePipelineBenchArgs,
  pipelineToCeiling,
  pipelineWindow,
  rateOf,
  type PipelineBenchArgs,
  type Rate,
} from './pipeline-figures';

export interface PipelineBenchOptions extends PipelineBenchArgs {
  /** A running DynamoDB Local (the ceiling is measured on it too). @default a new one, stopped at the end */
  readonly dynamoEndpoint?: string;
  /** The Java process of dynamoEndpoint, for its CPU time. */
  readonly dynamoPid?: number;
  /** Generated device numbers start here, so two runs on one endpoint do not share devices. @default 2000 */
  readonly firstDevice?: number;
  /** Progress and figure lines. */
  readonly log?: (line: string) => void;
}

/** CPU seconds used by this Node process and by the DynamoDB Local JVM (null when not started here). */
export interface CpuSeconds {
  readonly node: number;
  readonly dynamoDbLocal: number | null;
}

/** utime + stime of a process from /proc (Linux); null where that is not readable. */
function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

function cpuMeter(pid: number | undefined): () => CpuSeconds {
  const nodeStart = process.cpuUsage();
  const jvmStart = processCpuSeconds(pid);
  return () => {
    const node = process.cpuUsage(nodeStart);
    const jvm = processCpuSeconds(pid);
    return {
      node: (node.user + node.system) / 1e6,
      dynamoDbLocal: jvm === null || jvmStart === null ? null : jvm - jvmStart,
    };
  };
}

export interface PipelineFigures extends Rate {
  readonly dumps: number;
  /** Records in the uploaded dumps. */
  readonly records: number;
  readonly workers: number;
  /** Upload of the first dump until every event source was idle again (includes the KPI settling). */
  readonly phaseSeconds: number;
  /** Worker invocations and chunk deliveries (a chunk delivered twice counts twice). */
  readonly workerInvocations: number;
  readonly chunkDeliveries: number;
  /** Dead-letter totals after the run (all 0 on a healthy run). */
  readonly deadLetters: number;
  /** CPU of the whole phase (including the KPI settling), both processes. */
  readonly cpuSeconds: CpuSeconds;
}

export interface PipelineBenchResult {
  readonly workload: { readonly dumps: number; readonly days: number; readonly eventsPerDay: number };
  /** Events stored from the first upload to the last dump COMPLETE. */
  readonly pipeline: PipelineFigures;
  readonly ceiling: CeilingFigures & { readonly cpuSeconds: CpuSeconds };
  readonly pipelineToCeilingRatio: number | null;
}

/** One dump per device, each `days` long: every event is new, so every record is written once. */
export function pipelineWorkload(
  args: Pick<PipelineBenchArgs, 'dumps' | 'days' | 'eventsPerDay'>,
  firstDevice = 2000,
): { uploads: LocalDump[]; decoded: DecodedDump[] } {
  const uploads: LocalDump[] = [];
  const decoded: DecodedDump[] = [];
  for (let i = 0; i < args.dumps; i++) {
    const dump = generateSingleDump({
      days: args.days,
      eventsPerDay: args.eventsPerDay,
      firstDevice: firstDevice + i,
    });
    uploads.push({ name: `bench-${firstDevice + i}-${args.days}d.dump`, bytes: dump.bytes });
    decoded.push(decodeDump(dump.bytes));
  }
  return { uploads, decoded };
}

export async function runPipelineBench(options: PipelineBenchOptions): Promise<PipelineBenchResult> {
  const log = options.log ?? (() => undefined);
  const dynamoPid = options.dynamoPid;
  const { uploads, decoded } = pipelineWorkload(options, options.firstDevice);
  const records = decoded.reduce((n, d) => n + d.events.length, 0);
  const dynamo =
    options.dynamoEndpoint === undefined ? await startDynamoDbLocal({ jvmArgs: ['-Xmx4g'] }) : undefined;
  const endpoint = options.dynamoEndpoint ?? dynamo!.endpoint;
  try {
    // A fresh JVM runs its first ~15,000 puts at half speed (JIT): measured here, the pipeline
    // (which goes first) would pay for it and the ceiling would not. `dumpflow bench` runs this
    // after its other parts, on a warm DynamoDB Local.
    if (dynamo !== undefined) await warmUp(endpoint, decoded, log);
    const pipeline = await startLocalPipeline({
      dynamoEndpoint: endpoint,
      workerConcurrency: options.workers,
      log,
    });
    let figures: PipelineFigures;
    try {
      log(
        `pipeline: ${uploads.length} dumps x ${options.days} days x ${options.eventsPerDay} events/day (${records} records), ${options.workers} workers`,
      );
      const phaseStart = performance.now();
      const phaseCpu = cpuMeter(dynamoPid ?? dynamo?.pid);
      const { finished } = await pipeline.runPhase(uploads, { now: DEFAULT_NOW, timeoutMs: 1_800_000 });
      const phaseSeconds = (performance.now() - phaseStart) / 1000;
      const cpuSeconds = phaseCpu();
      const window = pipelineWindow(
        finished.map(({ ledger }) => ({
          uploadedAt: ledger.uploadedAt,
          ...(ledger.completedAt !== undefined && { completedAt: ledger.completedAt }),
          stored: ledger.totals?.stored ?? 0,
        })),
      );
      const counters = pipeline.eventSourceCounters();
      const dead = await pipeline.deadLetters();
      figures = {
        ...rateOf(window.stored, window.ms),
        dumps: uploads.length,
        records,
        workers: options.workers,
        phaseSeconds,
        workerInvocations: counters.worker.invocations,
        chunkDeliveries: counters.worker.records,
        deadLetters: dead.dumpQueue + dead.fanoutQueue + dead.kpiFailures,
        cpuSeconds,
      };
    } finally {
      await pipeline.stop();
    }
    log(
      `pipeline: ${figures.events} events stored in ${figures.seconds.toFixed(1)} s = ${Math.round(figures.eventsPerSecond)} events/s (${figures.chunkDeliveries} chunk deliveries in ${figures.workerInvocations} worker invocations; phase incl. KPI settling ${figures.phaseSeconds.toFixed(1)} s, CPU ${cpuText(figures.cpuSeconds, figures.events)})`,
    );

    // Right after, into the same streamed table of the same process: what plain puts reach there.
    const client = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: BENCH_CREDENTIALS,
      maxAttempts: 6,
    });
    let ceiling: PipelineBenchResult['ceiling'];
    try {
      const items = ceilingItems(decoded, figures.events);
      const ceilingCpu = cpuMeter(dynamoPid ?? dynamo?.pid);
      const measured = await measureWriteCeiling(
        client,
        pipeline.tableName,
        items,
        options.ceilingConcurrency,
      );
      ceiling = { ...measured, cpuSeconds: ceilingCpu() };
    } finally {
      client.destroy();
    }
    const ratio = pipelineToCeiling(figures.eventsPerSecond, ceiling.itemsPerSecond);
    log(
      `ceiling: ${ceiling.items} items in ${ceiling.seconds.toFixed(1)} s = ${Math.round(ceiling.itemsPerSecond)} items/s (BatchWriteItem, ${ceiling.concurrency} in flight, CPU ${cpuText(ceiling.cpuSeconds, ceiling.items)}); pipeline / ceiling = ${ratio === null ? '-' : ratio.toFixed(2)}`,
    );
    return {
      workload: { dumps: options.dumps, days: options.days, eventsPerDay: options.eventsPerDay },
      pipeline: figures,
      ceiling,
      pipelineToCeilingRatio: ratio,
    };
  } finally {
    await dynamo?.stop();
  }
}

const BENCH_CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

async function warmUp(endpoint: string, decoded: readonly DecodedDump[], log: (line: string) => void) {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: BENCH_CREDENTIALS });
  const tableName = `bench-warmup-${Date.now().toString(36)}`;
  try {
    // No stream and no DeleteTable: DynamoDB Local deletes a streamed table's items one by one and
    // was still busy with 20,000 of them minutes later, starving the run it was to prepare.
    await createTable(client, tableName, { stream: false });
    const warm = await measureWriteCeiling(client, tableName, ceilingItems(decoded, 20_000), 32);
    log(`warm-up: ${warm.items} puts at ${Math.round(warm.itemsPerSecond)} items/s into a scratch table`);
  } finally {
    client.destroy();
  }
}

function cpuText(cpu: CpuSeconds, events: number): string {
  const perEvent = (seconds: number) => (events > 0 ? ((seconds / events) * 1e6).toFixed(0) : '-');
  return `node ${cpu.node.toFixed(1)} s (${perEvent(cpu.node)} us/event), DynamoDB Local ${
    cpu.dynamoDbLocal === null
      ? '-'
      : `${cpu.dynamoDbLocal.toFixed(1)} s (${perEvent(cpu.dynamoDbLocal)} us/event)`
  }`;
}

if (require.main === module) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let args: PipelineBenchArgs;
  try {
    args = parsePipelineBenchArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  }
  const output = captureOutput(path.join('.dumpflow', 'logs', `bench-pipeline-${stamp}.jsonl`));
  runPipelineBench({ ...args, log: (line) => output.stderr(`${line}\n`) })
    .then(
      (result) => output.stdout(`${JSON.stringify(result, null, 2)}\n`),
      (error: unknown) => {
        output.stderr(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
        process.exitCode = 1;
      },
    )
    .finally(() => void output.restore());
}
