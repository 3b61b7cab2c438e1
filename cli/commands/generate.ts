import type { Command } from 'commander';
import {
  GeneratorOptionsError,
  parseDayRange,
  parseMix,
  parseShare,
  type FleetOptions,
  type GeneratorOptions,
} from '../../generator';
import { writeDumps, writeFleet } from '../../generator/files';
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
  readonly fleet?: boolean;
  readonly historyDays?: string;
  readonly cadenceDays?: number;
  readonly spread?: string;
  readonly spreadCadenceDays?: string;
  readonly periodDays?: number;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** Flags of one workload only, so a flag that would be silently ignored is refused instead. */
const MIX_ONLY = { uploads: '--uploads', days: '--days' } as const;
const FLEET_ONLY = {
  historyDays: '--history-days',
  cadenceDays: '--cadence-days',
  spread: '--spread',
  spreadCadenceDays: '--spread-cadence-days',
  periodDays: '--period-days',
} as const;

function refuseFlags(flags: GenerateFlags, names: Record<string, string>, why: string): void {
  for (const [key, flag] of Object.entries(names)) {
    if (flags[key as keyof GenerateFlags] !== undefined) throw new GeneratorOptionsError(`${flag} ${why}`);
  }
}

function sharedOptions(flags: GenerateFlags) {
  return {
    ...(flags.devices !== undefined && { devices: flags.devices }),
    ...(flags.eventsPerDay !== undefined && { eventsPerDay: flags.eventsPerDay }),
    ...(flags.seed !== undefined && { seed: flags.seed }),
    ...(flags.mix !== undefined && { mix: parseMix(flags.mix) }),
    ...(flags.now !== undefined && { now: flags.now }),
    ...(flags.firstDevice !== undefined && { firstDevice: flags.firstDevice }),
  };
}

async function generateMix(flags: GenerateFlags): Promise<void> {
  refuseFlags(flags, FLEET_ONLY, 'only applies with --fleet; add --fleet or drop it');
  const options: GeneratorOptions = {
    ...sharedOptions(flags),
    ...(flags.uploads !== undefined && { uploadsPerDevice: flags.uploads }),
    ...(flags.days !== undefined && { days: flags.days }),
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
}

async function generateFleet(flags: GenerateFlags): Promise<void> {
  refuseFlags(
    flags,
    MIX_ONLY,
    "does not apply with --fleet: uploads follow each device's cadence over --period-days and re-send 7, 90 or 365 days (--mix)",
  );
  const options: FleetOptions = {
    ...sharedOptions(flags),
    ...(flags.historyDays !== undefined && {
      historyDays: parseDayRange('--history-days', flags.historyDays),
    }),
    ...(flags.cadenceDays !== undefined && { cadenceDays: flags.cadenceDays }),
    ...(flags.spread !== undefined && { spread: parseShare('--spread', flags.spread) }),
    ...(flags.spreadCadenceDays !== undefined && {
      spreadCadenceDays: parseDayRange('--spread-cadence-days', flags.spreadCadenceDays),
    }),
    ...(flags.periodDays !== undefined && { periodDays: flags.periodDays }),
  };
  const written = await writeFleet(flags.out, options, (part, dump, file) => {
    if (flags.quiet === true) return;
    const what = part === 'history' ? 'history' : dump.kind;
    const fresh = 'newEvents' in dump ? ` (${count(dump.newEvents)} new)` : '';
    process.stderr.write(
      `wrote ${file}  ${what} ${formatDay(dump.firstDay)}..${formatDay(dump.lastDay)}  ` +
        `${count(dump.events)} events${fresh}  ${size(dump.bytes.length)}\n`,
    );
  });
  const s = written.summary;
  const history = written.historyFiles.length;
  process.stderr.write(
    `wrote ${count(history)} history ${history === 1 ? 'dump' : 'dumps'} (${count(written.historyEvents)} events) and ` +
      `${count(s.uploads)} ${s.uploads === 1 ? 'upload' : 'uploads'} (${s.uploadsByKind.week} week, ${s.uploadsByKind.quarter} quarter, ${s.uploadsByKind.year} year; ` +
      `${count(s.records)} events, ${count(s.newEvents)} new), ${count(written.bytes)} bytes, to ${flags.out}; ` +
      `manifest ${written.manifestFile}\n` +
      `per upload: ${count(Math.round(s.meanRecordsPerUpload))} events, ${count(Math.round(s.meanNewEventsPerUpload))} new, ` +
      `${s.meanDaysSincePreviousUpload.toFixed(2)} days since the previous upload\n`,
  );
  if (flags.json === true) {
    process.stdout.write(
      `${JSON.stringify({ dir: flags.out, manifest: written.manifestFile, historyDumps: history, historyEvents: written.historyEvents, bytes: written.bytes, summary: s })}\n`,
    );
  }
}

/** `dumpflow generate`: writes synthetic MDMP/1 dumps (see generator/) as files. */
export function registerGenerate(program: Command): Command {
  return program
    .command('generate')
    .description(
      'write synthetic therapy-device dumps (<deviceId>-<n>.dump), an upload mix or with --fleet a steady-state ' +
        'fleet workload; the same flags always give the same files',
    )
    .requiredOption('--out <dir>', 'directory to write the dumps to (created if missing)')
    .option(
      '--fleet',
      'steady-state fleet workload: every device has a stored history and uploads on its cadence; writes ' +
        '<out>/history/ (dumps stored before the period), <out>/uploads/ (the period, in time order) and ' +
        '<out>/manifest.json (per-upload records and new events)',
    )
    .option('--devices <n>', 'number of devices (default 10)', positiveInteger)
    .option(
      '--uploads <n>',
      'uploads per device, each overlapping the previous one (default 2; not with --fleet)',
      positiveInteger,
    )
    .option(
      '--days <n>',
      'the most days one upload covers, capping the mix (default 365; not with --fleet)',
      positiveInteger,
    )
    .option('--events-per-day <n>', 'average events per device-day (default 3000)', positiveInteger)
    .option('--seed <n>', 'seed: everything generated is a function of it (default 1)', nonNegativeInteger)
    .option(
      '--mix <week:quarter:year>',
      'shares of uploads covering 7 / up to 90 / up to 365 days, with --fleet the last 7 / 90 / 365 days ' +
        '(default 70:20:10)',
    )
    .option(
      '--now <time>',
      'when the latest uploads happen, with --fleet the end of the period; ISO or ms (default 2025-06-01T12:00:00Z)',
      instant,
    )
    .option(
      '--first-device <n>',
      'index of the first device, for disjoint runs (default 0)',
      nonNegativeInteger,
    )
    .option(
      '--history-days <min-max>',
      'with --fleet: days each device has stored before the period, drawn per device (default 45-400)',
    )
    .option(
      '--cadence-days <n>',
      'with --fleet: days between two uploads of a device outside the spread, 1 to 7 (default 1)',
      positiveInteger,
    )
    .option(
      '--spread <share>',
      'with --fleet: share of devices, 0 to 1, uploading every --spread-cadence-days instead (default 0.2)',
    )
    .option(
      '--spread-cadence-days <min-max>',
      'with --fleet: days between two uploads of a spread device, drawn per device, 1 to 7 (default 2-7)',
    )
    .option(
      '--period-days <n>',
      'with --fleet: length of the measured period ending at --now; the uploads are all uploads in it (default 1)',
      positiveInteger,
    )
    .option('--json', 'print a JSON summary on stdout')
    .option('--quiet', 'no per-file lines on stderr')
    .action(async (flags: GenerateFlags) => {
      try {
        await (flags.fleet === true ? generateFleet(flags) : generateMix(flags));
      } catch (error) {
        const failure = isFileSystemError(error) ? fileError('write to', flags.out, error) : error;
        reportError(failure, { json: flags.json === true });
      }
    });
}
