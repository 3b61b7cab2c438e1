import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { planCapacity, type PlanResult, type Prices } from '../../bench/capacity-model';
import type { UnitsFile } from '../../bench/units';
import { parseMix } from '../../generator';
import { CliError, fileError, isFileSystemError, reportError } from '../errors';
import { count } from '../format';
import { positiveInteger } from '../options';

interface PlanFlags {
  readonly dumpsPerMinute: number;
  readonly mix?: string;
  readonly eventsPerDay?: number;
  readonly itemBytes?: number;
  readonly peakFactor?: number;
  readonly replicas?: number;
  readonly units: string;
  readonly prices: string;
  readonly json?: boolean;
}

const BENCH_DIR = join(__dirname, '..', '..', 'bench');

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number above 0.');
  return n;
}

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if (isFileSystemError(error)) throw fileError('read', file, error);
    throw new CliError('E_JSON', `${file} is not valid JSON; regenerate it (see docs/benchmarks.md)`);
  }
}

const n = (x: number) => count(Math.round(x));
const usd = (x: number) => `$${x.toFixed(2)}`;

function formatPlan(p: PlanResult, prices: Prices): string {
  const d = p.dynamodb;
  return [
    `capacity plan: ${p.input.dumpsPerMinute} dumps/min, mix ${p.input.mix.join(':')}, ${n(p.input.eventsPerDay)} events/device-day, ${p.input.itemBytes}-byte items`,
    `measured per-upload units from: ${p.measuredAt.command} (${p.measuredAt.startedAt}, ${n(p.measuredAt.eventsPerDay)} events/day, scaled)`,
    `per upload: project ${n(p.perUpload.project.readUnits)} RCU, ${n(p.perUpload.project.writeUnits)} WCU, ${n(p.perUpload.project.storedEvents)} new events, ${p.perUpload.chunks.toFixed(1)} chunks; baseline ${n(p.perUpload.baseline.readUnits)} RCU`,
    `DynamoDB read units/s:  average ${n(d.readUnitsPerSecond.average)}, peak ${n(d.readUnitsPerSecond.peak)} (baseline: ${n(d.baselineReadUnitsPerSecond.average)} / ${n(d.baselineReadUnitsPerSecond.peak)})`,
    `DynamoDB write units/s: average ${n(d.writeUnitsPerSecond.average)}, peak ${n(d.writeUnitsPerSecond.peak)} (peak factor ${p.input.peakFactor})`,
    `busiest partition key: ${n(d.busiestPartitionWritesPerSecond.salted)} WCU/s with ${p.input.saltBuckets} salts, ${n(d.busiestPartitionWritesPerSecond.unsalted)} WCU/s unsalted (limit ${n(d.busiestPartitionWritesPerSecond.limit)})`,
    `pre-warm: a new on-demand table serves ${n(d.prewarm.onDemandInitialReadUnits)} RCU/s and ${n(d.prewarm.onDemandInitialWriteUnits)} WCU/s at once; ` +
      (d.prewarm.needed
        ? `warm it to ${n(d.prewarm.warmTo.readUnitsPerSecond)} RCU/s, ${n(d.prewarm.warmTo.writeUnitsPerSecond)} WCU/s. `
        : 'no pre-warm needed. ') +
      `The source's ${n(d.prewarm.sourceReadUnits)} RCU / ${n(d.prewarm.sourceWriteUnits)} WCU: ${d.prewarm.sourceFiguresNeeded ? 'needed' : 'not needed'}`,
    `SQS: ${p.sqs.requestsPerUpload.toFixed(1)} requests/upload, ${n(p.sqs.requestsPerMonth)}/month`,
    `Lambda: ${n(p.lambda.invocationsPerMonth)} invocations/month, ${n(p.lambda.gbSecondsPerMonth)} GB-s/month`,
    `monthly cost (${prices.region}, prices as of ${prices.asOf}): DynamoDB writes ${usd(p.monthlyCostUsd.dynamodbWrites)}, reads ${usd(p.monthlyCostUsd.dynamodbReads)} (baseline reads ${usd(p.monthlyCostUsd.baselineDynamodbReads)}), replicas ${usd(p.monthlyCostUsd.dynamodbReplicatedWrites)}, storage at 400-day steady state ${usd(p.monthlyCostUsd.dynamodbStorageSteadyState)}, SQS ${usd(p.monthlyCostUsd.sqs)}, Lambda ${usd(p.monthlyCostUsd.lambda)}; total ${usd(p.monthlyCostUsd.total)}`,
  ].join('\n');
}

/** `dumpflow plan`: AWS capacity and cost at a given load, from the bench's measured units. */
export function registerPlan(program: Command): Command {
  return program
    .command('plan')
    .description('model DynamoDB/SQS/Lambda capacity and monthly cost from the measured per-upload units')
    .requiredOption('--dumps-per-minute <n>', 'uploads per minute', positiveInteger)
    .option('--mix <week:quarter:year>', 'upload mix (default 70:20:10)')
    .option('--events-per-day <n>', 'events per device-day (default 3000)', positiveInteger)
    .option('--item-bytes <n>', 'stored event item size in bytes (default 200)', positiveInteger)
    .option('--peak-factor <x>', 'busiest second / average second (default 3)', positiveNumber)
    .option('--replicas <n>', 'extra global-table replicas (default 0)', (v) => Number(v))
    .option(
      '--units <file>',
      'measured units from `dumpflow bench --units-out`',
      join(BENCH_DIR, 'results', 'units.json'),
    )
    .option('--prices <file>', 'price table', join(BENCH_DIR, 'prices.json'))
    .option('--json', 'print one JSON object on stdout')
    .action(async (flags: PlanFlags) => {
      try {
        const units = await readJson<UnitsFile>(flags.units);
        const prices = await readJson<Prices>(flags.prices);
        const mix = flags.mix === undefined ? undefined : parseMix(flags.mix);
        const result = planCapacity(units, prices, {
          dumpsPerMinute: flags.dumpsPerMinute,
          ...(mix !== undefined && { mix }),
          ...(flags.eventsPerDay !== undefined && { eventsPerDay: flags.eventsPerDay }),
          ...(flags.itemBytes !== undefined && { itemBytes: flags.itemBytes }),
          ...(flags.peakFactor !== undefined && { peakFactor: flags.peakFactor }),
          ...(flags.replicas !== undefined && { replicas: flags.replicas }),
        });
        process.stdout.write(
          flags.json === true
            ? `${JSON.stringify({ ...result, prices })}\n`
            : `${formatPlan(result, prices)}\n`,
        );
      } catch (error) {
        reportError(error, { json: flags.json === true });
      }
    });
}
