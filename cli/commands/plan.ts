import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { planFromUnits, type Prices } from '../../bench/capacity-model';
import type { PlanInput } from '../../bench/plan-model';
import { formatPlan } from '../../bench/plan-format';
import { UNITS_FORMAT, type UnitsFile } from '../../bench/units';
import { parseMix } from '../../generator';
import { CliError, fileError, isFileSystemError, reportError } from '../errors';
import { nonNegativeInteger, positiveInteger } from '../options';

/** The model's inputs as flags, plus where the units and prices come from. */
type PlanFlags = Omit<PlanInput, 'mix' | 'platformLogBytesPerInvocation'> & {
  readonly mix?: string;
  readonly platformLogBytes?: number;
  readonly units: string;
  readonly prices: string;
  readonly json?: boolean;
};

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

/** `dumpflow plan`: AWS capacity, deployment and monthly cost of a fleet, from the measured fleet run. */
export function registerPlan(program: Command): Command {
  return program
    .command('plan')
    .description(
      'model DynamoDB, Lambda, SQS, KMS, CloudWatch Logs, S3 and X-Ray capacity and monthly cost of a fleet from the measured fleet run, with the CDK context values to deploy with',
    )
    .option('--patients <n>', 'patients, one device each (default 200000)', positiveInteger)
    .option(
      '--dumps-per-minute <n>',
      'uploads per minute (default 140; sets uploads per patient per day)',
      positiveNumber,
    )
    .option(
      '--uploads-per-patient-per-day <x>',
      'uploads per patient per day (sets the uploads per minute when --dumps-per-minute is not given)',
      positiveNumber,
    )
    .option('--events-per-day <n>', 'events per device-day with therapy (default 3000)', positiveInteger)
    .option('--mix <week:quarter:year>', 'shares of uploads re-sending 7, 90 and 365 days (default 70:20:10)')
    .option(
      '--replicas <n>',
      'global-table replicas besides the primary table (default 0)',
      nonNegativeInteger,
    )
    .option('--retention-days <n>', 'days an event day is kept (default 400, the table TTL)', positiveInteger)
    .option('--peak-factor <x>', 'busiest second / average second (default 3)', positiveNumber)
    .option('--headroom <x>', 'deployed capacity / planned peak (default 2)', positiveNumber)
    .option('--parser-seconds <x>', 'parser duration per upload, an assumption (default 3)', positiveNumber)
    .option(
      '--worker-seconds-per-chunk <x>',
      'worker duration per chunk, an assumption (default 0.5)',
      positiveNumber,
    )
    .option(
      '--kpi-seconds <x>',
      'KPI function duration per invocation, an assumption (default 0.2)',
      positiveNumber,
    )
    .option(
      '--log-bytes-per-upload <n>',
      "the functions' log bytes per upload (default 1606, measured locally)",
      positiveInteger,
    )
    .option(
      '--log-bytes-per-chunk <n>',
      "the worker's log bytes per chunk (default 546, measured locally)",
      positiveInteger,
    )
    .option(
      '--platform-log-bytes <n>',
      "Lambda's START/END/REPORT bytes per invocation (default 420, an assumption)",
      positiveInteger,
    )
    .option('--units <file>', 'the measured fleet run', join(BENCH_DIR, 'results', 'fleet-units.json'))
    .option('--prices <file>', 'price table', join(BENCH_DIR, 'prices.json'))
    .option('--json', 'print one JSON object on stdout')
    .action(async (flags: PlanFlags) => {
      try {
        if (flags.dumpsPerMinute !== undefined && flags.uploadsPerPatientPerDay !== undefined) {
          throw new CliError(
            'E_PLAN_INPUT',
            'give --dumps-per-minute or --uploads-per-patient-per-day, not both: each sets the other with --patients',
          );
        }
        const units = await readJson<UnitsFile>(flags.units);
        if (units.format !== UNITS_FORMAT) {
          throw new CliError(
            'E_UNITS_FORMAT',
            `${flags.units} is not a fleet run's units (format ${UNITS_FORMAT}); write one with npx tsx bench/mix.ts --scenario fleet --units-out FILE`,
          );
        }
        const prices = await readJson<Prices>(flags.prices);
        // Flags not given are absent (commander sets no key), so the model's defaults apply.
        const {
          units: unitsFile,
          prices: pricesFile,
          json,
          mix: mixFlag,
          platformLogBytes,
          ...input
        } = flags;
        let result: ReturnType<typeof planFromUnits>;
        try {
          result = planFromUnits(units, prices, {
            ...input,
            ...(mixFlag !== undefined && { mix: parseMix(mixFlag) }),
            ...(platformLogBytes !== undefined && { platformLogBytesPerInvocation: platformLogBytes }),
          });
        } catch (error) {
          if (error instanceof RangeError) throw new CliError('E_PLAN_INPUT', error.message);
          throw error;
        }
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
