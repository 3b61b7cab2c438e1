import type { Command } from 'commander';
import { parseMix, type GeneratorOptions } from '../../generator';
import { writeDumps } from '../../generator/files';
import { formatDay } from '../../lambdas/core/dump';
import { fileError, isFileSystemError, reportError } from '../errors';
import { count, size } from '../format';
import { instant, nonNegativeInteger, positiveInteger } from '../options';

interface GenerateFlags {
  readonly out: string;
  readonly devices?: number;
  readonly uploads?: number;
  readonly days?: number;
  readonly eventsPerDay?: number;
  readonly seed?: number;
  readonly mix?: string;
  readonly now?: number;
  readonly firstDevice?: number;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** `dumpflow generate`: writes synthetic MDMP/1 dumps (see generator/) as files. */
export function registerGenerate(program: Command): Command {
  return program
    .command('generate')
    .description(
      'write synthetic therapy-device dumps (<deviceId>-<n>.dump); the same flags always give the same files',
    )
    .requiredOption('--out <dir>', 'directory to write the dumps to (created if missing)')
    .option('--devices <n>', 'number of devices (default 10)', positiveInteger)
    .option(
      '--uploads <n>',
      'uploads per device, each overlapping the previous one (default 2)',
      positiveInteger,
    )
    .option('--days <n>', 'the most days one upload covers, capping the mix (default 365)', positiveInteger)
    .option('--events-per-day <n>', 'average events per device-day (default 3000)', positiveInteger)
    .option('--seed <n>', 'seed: everything generated is a function of it (default 1)', nonNegativeInteger)
    .option(
      '--mix <week:quarter:year>',
      'shares of uploads covering 7 / up to 90 / up to 365 days (default 70:20:10)',
    )
    .option(
      '--now <time>',
      'when the latest uploads happen, ISO or ms (default 2025-06-01T12:00:00Z)',
      instant,
    )
    .option(
      '--first-device <n>',
      'index of the first device, for disjoint runs (default 0)',
      nonNegativeInteger,
    )
    .option('--json', 'print a JSON summary on stdout')
    .option('--quiet', 'no per-file lines on stderr')
    .action(async (flags: GenerateFlags) => {
      try {
        const options: GeneratorOptions = {
          ...(flags.devices !== undefined && { devices: flags.devices }),
          ...(flags.uploads !== undefined && { uploadsPerDevice: flags.uploads }),
          ...(flags.days !== undefined && { days: flags.days }),
          ...(flags.eventsPerDay !== undefined && { eventsPerDay: flags.eventsPerDay }),
          ...(flags.seed !== undefined && { seed: flags.seed }),
          ...(flags.mix !== undefined && { mix: parseMix(flags.mix) }),
          ...(flags.now !== undefined && { now: flags.now }),
          ...(flags.firstDevice !== undefined && { firstDevice: flags.firstDevice }),
        };
        const written = await writeDumps(flags.out, options, (dump, file) => {
          if (flags.quiet === true) return;
          process.stderr.write(
            `wrote ${file}  ${dump.kind} ${formatDay(dump.firstDay)}..${formatDay(dump.lastDay)}  ` +
              `${count(dump.events)} events  ${size(dump.bytes.length)}\n`,
          );
        });
        process.stderr.write(
          `wrote ${count(written.files.length)} ${written.files.length === 1 ? 'dump' : 'dumps'}, ${count(written.events)} events, ` +
            `${count(written.bytes)} bytes to ${flags.out}\n`,
        );
        if (flags.json === true) {
          process.stdout.write(
            `${JSON.stringify({ dir: flags.out, dumps: written.files.length, events: written.events, bytes: written.bytes, files: written.files })}\n`,
          );
        }
      } catch (error) {
        const failure = isFileSystemError(error) ? fileError('write to', flags.out, error) : error;
        reportError(failure, { json: flags.json === true });
      }
    });
}
