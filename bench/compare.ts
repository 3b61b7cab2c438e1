/**
 * Side-by-side benchmark (`dumpflow bench`): the project's storage path against the source
 * design's (bench/baseline.ts) on the same generated dumps and the same DynamoDB Local process,
 * in three parts: single dumps (first upload and re-upload), the steady-state fleet (the history
 * loaded first, then a period of uploads), and the first-upload mix; then the end-to-end local
 * pipeline next to the raw write ceiling of that process, and decode next to a Buffer.copy.
 * Run directly with `npx tsx bench/compare.ts [--quick]` (one JSON object on stdout).
 *
 * Units are as AWS bills the requests (local/aws-billing.ts), with DynamoDB Local's own count
 * beside them; wall times are this machine's DynamoDB Local (one JVM), not DynamoDB's.
 */
import * as os from 'node:os';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { benchClient } from './bench-client';
import { chunkBytesPerEvent } from './chunk-bytes';
import { runDecodeBench, type DecodeBenchResult } from './decode';
import { compareDumps, type DumpComparison } from './dump-rows';
import { compareFirstUploadMix, type FirstUploadMixComparison } from './first-upload-mix';
import { compareFleet, type FleetComparison } from './fleet-mix';
import { createBenchTable, type Tables } from './paths';
import { runPipelineBench, type PipelineBenchResult } from './pipeline';
import { FULL_SCALE, QUICK_SCALE, type Scale } from './scale';
import { benchTargets, type TargetCheck } from './targets';

export type { TargetCheck } from './targets';

export interface CompareBenchOptions {
  /** Small dumps and few uploads so the run ends in under a minute. @default false */
  readonly quick?: boolean;
  /** Progress lines (stderr in the CLI). */
  readonly log?: (line: string) => void;
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

export interface BenchMachine {
  readonly node: string;
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly platform: string;
  readonly loadAverageAtStart: number;
  readonly loadAverageAtEnd: number;
}

export interface CompareBenchResult {
  readonly command: string;
  readonly quick: boolean;
  readonly scale: Scale;
  readonly note: string;
  readonly machine: BenchMachine;
  readonly startedAt: string;
  readonly totalWallMs: number;
  readonly dumps: readonly DumpComparison[];
  readonly fleet: FleetComparison;
  readonly firstUploadMix: FirstUploadMixComparison;
  /** Bytes of chunk messages per chunked event (SQS payload model for `dumpflow plan`). */
  readonly chunkMessageBytesPerEvent: number;
  readonly decode: DecodeBenchResult;
  readonly throughput: ThroughputFigures;
  readonly targets: readonly TargetCheck[];
}

export function benchMachine(loadAverageAtStart: number): BenchMachine {
  return {
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    loadAverageAtStart,
    loadAverageAtEnd: os.loadavg()[0]!,
  };
}

function pipelineText(scale: Scale): string {
  const p = scale.pipeline;
  return `${p.dumps} dumps x ${p.days} days x ${p.eventsPerDay} events/day, ${p.workers} workers`;
}

export async function runCompareBench(options: CompareBenchOptions = {}): Promise<CompareBenchResult> {
  const quick = options.quick === true;
  const scale = quick ? QUICK_SCALE : FULL_SCALE;
  const log = options.log ?? (() => undefined);
  const loadAtStart = os.loadavg()[0]!;
  const began = performance.now();
  const startedAt = new Date().toISOString();
  const dynamo = await startDynamoDbLocal({ jvmArgs: ['-Xmx4g'] });
  const bench = benchClient(dynamo.endpoint);
  const suffix = Date.now().toString(36);
  const single: Tables = {
    projectTable: `bench-project-${suffix}`,
    baselineTable: `bench-baseline-${suffix}`,
  };
  const fleetTables: Tables = {
    projectTable: `fleet-project-${suffix}`,
    baselineTable: `fleet-baseline-${suffix}`,
  };
  const all = [...Object.values(single), ...Object.values(fleetTables)];
  try {
    for (const table of all) await createBenchTable(bench, table);
    const { eventsPerDay, chunkConcurrency } = scale;

    // 1. One dump per length, uploaded twice (the second time as a new object, same bytes).
    const { rows: dumps, longest } = await compareDumps(
      bench,
      single,
      { dumpDays: scale.dumpDays, eventsPerDay, chunkConcurrency },
      log,
    );
    // 2. The steady-state fleet: history loaded (not measured), then the period's uploads.
    const fleet = await compareFleet(
      bench,
      fleetTables,
      { ...scale.fleet, eventsPerDay, chunkConcurrency },
      log,
    );
    // 3. The first-upload mix, on the single-dump tables (other devices).
    const firstUploadMix = await compareFirstUploadMix(
      bench,
      single,
      { ...scale.firstUploadMix, eventsPerDay, chunkConcurrency },
      log,
    );

    // 4. The end-to-end local pipeline on this DynamoDB Local, then its raw write ceiling.
    const measured = await runPipelineBench({
      ...scale.pipeline,
      ceilingConcurrency: scale.pipeline.workers * 8,
      dynamoEndpoint: dynamo.endpoint,
      dynamoPid: dynamo.pid,
      log,
    });
    const throughput: ThroughputFigures = {
      pipelineScope:
        'startLocalPipeline: S3 upload, emulated notification, parser, fan-out queue, workers, DynamoDB Local, stream, KPI; events stored from the first upload to the last dump COMPLETE',
      pipeline: { ...measured.workload, ...measured.pipeline },
      ceiling: measured.ceiling,
      pipelineToCeilingRatio: measured.pipelineToCeilingRatio,
    };

    // 5. Decode on one core next to Buffer.copy of the same bytes.
    const decode = runDecodeBench({
      runs: scale.decodeRuns,
      warmup: quick ? 2 : 5,
      eventsPerDay: scale.decodeEventsPerDay,
    });
    log(
      `decode: ${(decode.eventsPerSecond / 1e6).toFixed(1)} M events/s, ${decode.ratioToFreshCopy.toFixed(1)}x a Buffer.copy`,
    );

    const totalWallMs = performance.now() - began;
    return {
      command: quick ? 'dumpflow bench --quick --json' : 'dumpflow bench --json',
      quick,
      scale,
      note: quick
        ? `quick run: ${scale.eventsPerDay} events per device-day instead of 3,000, ${scale.dumpDays.length === 0 ? 'no single-dump rows (bench/storage.ts has them)' : `single dumps of ${scale.dumpDays.join('/')} days`}, a ${scale.fleet.devices}-device fleet over ${scale.fleet.periodDays} day(s), a ${scale.firstUploadMix.devices}x${scale.firstUploadMix.uploadsPerDevice} first-upload mix; pipeline ${pipelineText(scale)} instead of ${pipelineText(FULL_SCALE)}. At this size fixed per-request costs weigh more and the source design reads fewer bytes per day, so ratios differ from the full run's; the figure targets, set at 3,000 events per device-day, are checked only by the full run (and bench/storage.ts, bench/mix.ts, bench/pipeline.ts)`
        : `full run: 3,000 events per device-day; pipeline ${pipelineText(scale)}`,
      machine: benchMachine(loadAtStart),
      startedAt,
      totalWallMs,
      dumps,
      fleet,
      firstUploadMix,
      chunkMessageBytesPerEvent: longest === undefined ? 0 : chunkBytesPerEvent(longest),
      decode,
      throughput,
      targets: benchTargets({
        dumps,
        fleet,
        firstUploadMix,
        pipelineToCeilingRatio: throughput.pipelineToCeilingRatio,
        // DynamoDB Local is stopped after this; its shutdown takes well under a second.
        ...(quick && { quickWallSeconds: totalWallMs / 1000 }),
      }),
    };
  } finally {
    for (const table of all) {
      await bench.dynamodb.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    }
    bench.dynamodb.destroy();
    await dynamo.stop();
  }
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
