import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatCompareBench, runCompareBench } from '../../bench/compare';
import { unitsFile } from '../../bench/units';
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
      'measure the storage path against the source design (read/write units, requests, wall time) on DynamoDB Local, plus decode and write throughput',
    )
    .option('--quick', 'small dumps (50 events per device-day), under a minute; says so in the output')
    .option('--json', 'print one JSON object with every figure and ratio on stdout')
    .option('--units-out <file>', 'also write the measured per-upload units `dumpflow plan` reads')
    .action(async (flags: BenchFlags) => {
      try {
        const result = await runCompareBench({
          quick: flags.quick === true,
          log: (line) => process.stderr.write(`${line}\n`),
        });
        if (flags.unitsOut !== undefined) {
          await writeFile(flags.unitsOut, `${JSON.stringify(unitsFile(result), null, 2)}\n`).catch(
            (error: unknown) => {
              throw isFileSystemError(error) ? fileError('write to', flags.unitsOut!, error) : error;
            },
          );
        }
        process.stdout.write(
          flags.json === true ? `${JSON.stringify(result)}\n` : `${formatCompareBench(result)}\n`,
        );
      } catch (error) {
        reportError(error, { json: flags.json === true });
      }
    });
}
