import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import * as path from 'node:path';
import { captureOutput, type CapturedOutput } from '../../local/capture-output';
import { totalReport, type FinishedDump, type PhaseReport } from '../../local/phase-report';
import { startLocalPipeline, type LocalPipeline, type PhaseProgress } from '../../local/pipeline';
import { CliError, reportError } from '../errors';
import { formatDeadLetters, formatFaults, formatKpis, formatRunSummary } from '../local-summary';
import { formatDifferences, formatVerifyLine } from '../verify-summary';
import { verifyStore } from '../../verify';
import { FaultInjector } from '../../local/faults/injector';
import { FaultSpecError, formatFaultSpec, parseFaultSpec, type FaultSpec } from '../../local/faults/spec';
import { InvalidArgumentError } from 'commander';
import { instant, nonNegativeInteger, positiveInteger } from '../options';
import { planPhases, type PhaseFlags, type PhasePlan } from '../local-phases';

interface LocalFlags extends PhaseFlags {
  readonly dumps: string[];
  readonly generate?: number;
  readonly seed?: number;
  readonly days?: number;
  readonly eventsPerDay?: number;
  readonly now?: number;
  readonly concurrency?: number;
  readonly parsers?: number;
  readonly dynamodbEndpoint?: string;
  readonly state?: string;
  readonly logFile?: string;
  readonly json?: boolean;
  readonly faults?: FaultSpec;
  readonly faultSeed?: number;
  readonly phaseTimeout?: number;
  readonly verify?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function progressReporter(output: CapturedOutput, quiet: boolean) {
  const tty = output.stderrStream.isTTY === true;
  let bar: SingleBar | undefined;
  return {
    begin(index: number, plan: PhasePlan, total: number) {
      if (tty) {
        bar = new SingleBar({
          stream: output.stderrStream,
          format: `phase ${index}  [{bar}] {value}/{total} dumps  {stage}  {duration_formatted}`,
          hideCursor: true,
          clearOnComplete: false,
        });
        bar.start(total, 0, { stage: 'uploading' });
      } else if (!quiet) {
        output.stderr(`phase ${index}: ${total} dump(s) from ${plan.label}\n`);
      }
    },
    update(progress: PhaseProgress) {
      bar?.update(progress.finished, {
        stage: progress.stage + (progress.rejected > 0 ? ` (${progress.rejected} rejected)` : ''),
      });
    },
    end(index: number, report: PhaseReport) {
      bar?.stop();
      bar = undefined;
      if (!tty && !quiet)
        output.stderr(`phase ${index}: done in ${(report.elapsedMs / 1000).toFixed(1)} s\n`);
    },
  };
}

async function runLocal(flags: LocalFlags, output: CapturedOutput): Promise<void> {
  const started = Date.now();
  const plans = planPhases(flags);
  const progress = progressReporter(output, flags.json === true);
  let interrupted = false;
  const faults =
    flags.faults === undefined ? undefined : new FaultInjector(flags.faults, flags.faultSeed ?? 1);
  if (flags.state !== undefined && flags.dynamodbEndpoint !== undefined) {
    throw new CliError(
      'E_USAGE',
      '--state keeps the table in its own DynamoDB Local; it cannot be combined with --dynamodb-endpoint',
    );
  }
  const pipeline: LocalPipeline = await startLocalPipeline({
    ...(faults !== undefined && { faults }),
    ...(flags.state !== undefined && { stateDir: flags.state }),
    ...(flags.dynamodbEndpoint !== undefined && { dynamoEndpoint: flags.dynamodbEndpoint }),
    ...(flags.concurrency !== undefined && { workerConcurrency: flags.concurrency }),
    ...(flags.parsers !== undefined && { parserConcurrency: flags.parsers }),
    // Once interrupted, DynamoDB Local is gone and every running invocation fails: not worth a line each.
    log: (line) => interrupted || output.stderr(`${line}\n`),
  });
  const stopOnSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    output.stderr(`\n${signal}: stopping the local pipeline\n`);
    void pipeline
      .stop()
      .then(() => output.restore())
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const results: { report: PhaseReport; finished: readonly FinishedDump[] }[] = [];
    for (const [i, plan] of plans.entries()) {
      const dumps = await plan.load();
      progress.begin(i + 1, plan, dumps.length);
      const result = await pipeline.runPhase(dumps, {
        ...(plan.now !== undefined && { now: plan.now }),
        // Faults make every retry back off for real: give a phase more time before calling it stuck.
        timeoutMs: (flags.phaseTimeout ?? (faults === undefined ? 600 : 1800)) * 1000,
        onProgress: (p) => progress.update(p),
      });
      progress.end(i + 1, result.report);
      results.push(result);
    }
    const kpis = await pipeline.kpis();
    const phases = results.map((r) => r.report);
    const deadLetters = await pipeline.deadLetters();
    const faultTotals = pipeline.faultTotals();
    const spec = flags.faults === undefined ? undefined : formatFaultSpec(flags.faults);
    const verified =
      flags.verify === true
        ? await verifyStore({
            ...pipeline.clients,
            bucket: pipeline.bucket,
            tableName: pipeline.tableName,
            prefix: 'incoming/',
            // The local table is small: the ledger scan for vanished objects costs nothing here.
            scanLedger: true,
            // Retention as the run saw it: its days are judged at its processing time, not today's.
            retainedAt: Math.min(...plans.map((p) => p.now ?? started)),
          })
        : undefined;
    if (flags.json === true) {
      const faultReport = faultTotals === undefined ? {} : { faults: { spec, ...faultTotals } };
      const verifyReport = verified === undefined ? {} : { verify: verified };
      output.stdout(`${JSON.stringify({ phases, kpis, deadLetters, ...faultReport, ...verifyReport })}\n`);
    } else {
      output.stdout(
        [
          '',
          formatRunSummary(phases, totalReport(results)),
          '',
          formatKpis(kpis),
          '',
          ...(faultTotals === undefined ? [] : [formatFaults(spec!, faultTotals), '']),
          formatDeadLetters(deadLetters),
          '',
          ...(verified === undefined ? [] : [formatVerifyLine(verified), ...formatDifferences(verified), '']),
        ].join('\n'),
      );
    }
    if (deadLetters.dumpQueue + deadLetters.fanoutQueue + deadLetters.kpiFailures > 0) {
      // Counts above miss what the DLQs hold: say so in the exit status, not only in the text.
      process.exitCode = 1;
    }
    if (verified !== undefined && verified.differences.length > 0) process.exitCode = 1;
    const nows = [
      ...new Set(plans.map((p) => (p.now === undefined ? 'wall clock' : new Date(p.now).toISOString()))),
    ];
    output.stderr(
      `\nprocessing time (expiry rule): ${nows.join(', ')}; total ${((Date.now() - started) / 1000).toFixed(1)} s\n` +
        `function logs: ${output.file}\n`,
    );
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
    await pipeline.stop();
  }
}

function faultSpec(value: string): FaultSpec {
  try {
    return parseFaultSpec(value);
  } catch (error) {
    // commander prints its own one-line usage error for an invalid option value.
    if (error instanceof FaultSpecError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

/** `dumpflow local`: the deployed handlers on DynamoDB Local + fauxqs, phase by phase. */
export function registerLocal(program: Command): Command {
  return program
    .command('local')
    .description(
      'run the real parser, worker and KPI handlers on DynamoDB Local and fauxqs; with no options, a demo workload',
    )
    .option('--dumps <dir>', 'a phase: upload every *.dump in DIR (repeat for more phases)', collect, [])
    .option(
      '--generate <n>',
      'a phase of N generated dumps (2 overlapping uploads per device)',
      positiveInteger,
    )
    .option('--seed <n>', 'generator seed (default 1)', nonNegativeInteger)
    .option('--days <n>', 'with --generate: the most days one dump covers (default 7)', positiveInteger)
    .option(
      '--events-per-day <n>',
      'generated events per device-day (default 3000; demo 800)',
      positiveInteger,
    )
    .option(
      '--now <time>',
      'processing time for the expiry rule, ISO or ms (default: the generator clock 2025-06-01T12:00:00Z for generated dumps, the wall clock for --dumps)',
      instant,
    )
    .option('--concurrency <n>', 'worker (fan-out) invocations at once (default 4)', positiveInteger)
    .option('--parsers <n>', 'parser invocations at once (default 2)', positiveInteger)
    .option('--dynamodb-endpoint <url>', 'use this DynamoDB Local instead of starting one')
    .option(
      '--state <dir>',
      'keep the table in DIR instead of in memory: a later run with the same DIR continues on its data, and `dumpflow events|kpis --state DIR` read it',
    )
    .option('--log-file <path>', 'where function logs go (default .dumpflow/logs/local-<time>.jsonl)')
    .option(
      '--faults <spec>',
      'inject faults: a comma list of throttle=P, unprocessed=P, s3-duplicate=K, redeliver=K, crash=P, parser-crash=P, conflict=P, pause=P, ddb-restart=K (docs/reliability.md)',
      faultSpec,
    )
    .option('--fault-seed <n>', 'seed of the fault injectors (default 1)', nonNegativeInteger)
    .option(
      '--phase-timeout <seconds>',
      'give up on a phase that has not finished after this long (default 600, 1800 with --faults)',
      positiveInteger,
    )
    .option(
      '--verify',
      'after the phases, run `dumpflow verify` on the local bucket and table (exit 1 on any difference)',
    )
    .option('--json', 'print one JSON object {phases, kpis, deadLetters[, faults][, verify]} on stdout')
    .action(async (flags: LocalFlags) => {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const output = captureOutput(flags.logFile ?? path.join('.dumpflow', 'logs', `local-${stamp}.jsonl`));
      let failure: unknown;
      try {
        await runLocal(flags, output);
      } catch (error) {
        failure = error;
      } finally {
        await output.restore();
      }
      if (failure !== undefined) reportError(failure, { json: flags.json === true });
    });
}
