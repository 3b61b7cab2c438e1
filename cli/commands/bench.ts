import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { Command } from 'commander';
import { runCompareBench } from '../../bench/compare';
import { formatCompareBench } from '../../bench/compare-format';
import { unitsFile } from '../../bench/units';
import { captureOutput } from '../../local/capture-output';
import { fileError, isFileSystemError, reportError } from '../errors';

interface BenchFlags {
  readonly quick?: boolean;
  readonly json?: boolean;
  readonly unitsOut?: string;
}

/** `dumpflow bench`: the product's storage path against the source design, side by side. */
export function registerBench(program: Command): Command {
  return program
    .command('bench')
    .description(
      'measure the storage path against the source design (read/write units as AWS bills them and as DynamoDB Local counts them, requests, wall time) on single dumps, a steady-state fleet and the first-upload mix, on DynamoDB Local; decode next to a Buffer.copy; the end-to-end local pipeline next to the raw write ceiling',
    )
    .option(
      '--quick',
      'small sizes (20 events per device-day, one 7-day single dump, a 4-device fleet, a 2x2 first-upload mix, a 4-dump pipeline run of 250 events/day) to finish in about 50 s (48.9 s measured); says so in the output',
    )
    .option('--json', 'print one JSON object with every figure and ratio on stdout')
    .option('--units-out <file>', "also write the fleet run's per-upload units `dumpflow plan` reads")
    .action(async (flags: BenchFlags) => {
      // The pipeline run's handlers log JSON lines to stdout/stderr as in Lambda: keep them out of --json.
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const output = captureOutput(path.join('.dumpflow', 'logs', `bench-${stamp}.jsonl`));
      let failure: unknown;
      try {
        const result = await runCompareBench({
          quick: flags.quick === true,
          log: (line) => output.stderr(`${line}\n`),
        });
        if (flags.unitsOut !== undefined) {
          const units = unitsFile(result.fleet, {
            command: `${result.command} --units-out ${flags.unitsOut}`,
            startedAt: result.startedAt,
            machine: result.machine,
            chunkMessageBytesPerEvent: result.chunkMessageBytesPerEvent,
          });
          await writeFile(flags.unitsOut, `${JSON.stringify(units, null, 2)}\n`).catch((error: unknown) => {
            throw isFileSystemError(error) ? fileError('write to', flags.unitsOut!, error) : error;
          });
        }
        output.stdout(
          flags.json === true ? `${JSON.stringify(result)}\n` : `${formatCompareBench(result)}\n`,
        );
      } catch (error) {
        failure = error;
      } finally {
        await output.restore();
      }
      if (failure !== undefined) reportError(failure, { json: flags.json === true });
    });
}
