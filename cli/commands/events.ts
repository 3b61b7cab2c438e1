import { SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { EventType, formatInstant, parseDay } from '../../lambdas/core/dump';
import type { PageEvents } from '../../lambdas/core/page/codec';
import { readStoredDays } from '../../lambdas/core/storage/read-events';
import { CliError, reportError } from '../errors';
import { exactNumber } from '../json';
import { openTable, tableSourceOptions, type TableSourceFlags } from '../table-source';

interface EventsFlags extends TableSourceFlags {
  readonly patient: string;
  readonly device: string;
  readonly from?: number;
  readonly to?: number;
  readonly type: number[];
  readonly json?: boolean;
  readonly csv?: boolean;
}

const MS_PER_DAY = 86_400_000n;
const TYPE_NAMES = new Map<number, string>(Object.entries(EventType).map(([name, code]) => [code, name]));

function day(value: string): number {
  const dayNumber = parseDay(value);
  if (dayNumber === undefined) throw new InvalidArgumentError('expected a date such as 2025-06-01.');
  return dayNumber;
}

function eventType(value: string, previous: number[]): number[] {
  const code = Number(value);
  if (!/^\d+$/.test(value.trim()) || code > 0xffff) {
    throw new InvalidArgumentError(
      'expected an event type code from 0 to 65535 (1 THERAPY_SESSION ... 10 HUMIDIFIER).',
    );
  }
  return [...previous, code];
}

/** The exact epoch-millisecond timestamp, as digits (exact past 2^53, where a double is not). */
function timestampText(dayNumber: number, msOfDay: number): string {
  return (BigInt(dayNumber) * MS_PER_DAY + BigInt(msOfDay)).toString();
}

type Writer = {
  begin(): void;
  event(dayNumber: number, events: PageEvents, i: number): void;
  end(): void;
};

/** One JSON object on stdout, written as it goes: a year of events never sits in memory as text. */
function jsonWriter(out: (text: string) => void, patientId: string, deviceId: string): Writer {
  let first = true;
  return {
    begin: () =>
      out(`{"patientId":${JSON.stringify(patientId)},"deviceId":${JSON.stringify(deviceId)},"events":[`),
    event(dayNumber, e, i) {
      out(
        `${first ? '' : ','}{"timestamp":${timestampText(dayNumber, e.msOfDay[i]!)},"seq":${e.seq[i]},"type":${e.type[i]},"flags":${e.flags[i]},"value":${exactNumber(e.value[i]!)},"duration":${e.duration[i]}}`,
      );
      first = false;
    },
    end: () => out(']}\n'),
  };
}

function csvWriter(out: (text: string) => void): Writer {
  return {
    begin: () => out('timestamp,seq,type,flags,value,duration\n'),
    event: (dayNumber, e, i) =>
      out(
        `${timestampText(dayNumber, e.msOfDay[i]!)},${e.seq[i]},${e.type[i]},${e.flags[i]},${exactNumber(e.value[i]!)},${e.duration[i]}\n`,
      ),
    end: () => undefined,
  };
}

function tableWriter(out: (text: string) => void): Writer {
  let rows = 0;
  const row = (cells: readonly string[]) =>
    out(
      `${cells[0]!.padEnd(24)}  ${cells[1]!.padStart(10)}  ${cells[2]!.padEnd(18)}  ${cells[3]!.padStart(5)}  ${cells[4]!.padStart(22)}  ${cells[5]!.padStart(10)}\n`,
    );
  return {
    begin: () => row(['time (UTC)', 'seq', 'type', 'flags', 'value', 'duration']),
    event(dayNumber, e, i) {
      rows++;
      const type = e.type[i]!;
      row([
        formatInstant(dayNumber, e.msOfDay[i]!),
        String(e.seq[i]),
        `${type} ${TYPE_NAMES.get(type) ?? '(unknown)'}`,
        String(e.flags[i]),
        exactNumber(e.value[i]!),
        String(e.duration[i]),
      ]);
    },
    end: () => out(`${rows} event(s)\n`),
  };
}

function progressBar(): ((done: number, total: number) => void) & { stop(): void } {
  if (process.stderr.isTTY !== true) return Object.assign(() => undefined, { stop: () => undefined });
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'events [{bar}] {value}/{total} days  {duration_formatted}',
    hideCursor: true,
    clearOnComplete: true,
  });
  let started = false;
  const update = (done: number, total: number) => {
    if (!started) bar.start(total, done);
    started = true;
    bar.update(done);
  };
  return Object.assign(update, { stop: () => started && bar.stop() });
}

/** `dumpflow events`: a patient-device's exact stored events, sorted by timestamp, seq and type. */
export function registerEvents(program: Command): Command {
  return tableSourceOptions(
    program
      .command('events')
      .description(
        "print a patient-device's stored events (sorted by timestamp, seq, type) from a table on AWS (--table) or a local state (--state)",
      )
      .requiredOption('--patient <id>', 'patient id, as in the dumps')
      .requiredOption('--device <id>', 'device id, as in the dumps')
      .option('--from <YYYY-MM-DD>', 'first UTC day, included (default: the first stored day)', day)
      .option('--to <YYYY-MM-DD>', 'last UTC day, included (default: the last stored day)', day)
      .option('--type <code>', 'only events of this type code (repeat for more)', eventType, [])
      .option(
        '--json',
        'one JSON object {patientId, deviceId, events: [{timestamp (epoch ms), seq, type, flags, value, duration}]}',
      )
      .option('--csv', 'CSV with a header line: timestamp (epoch ms),seq,type,flags,value,duration'),
  ).action(async (flags: EventsFlags) => {
    const json = flags.json === true;
    const bar = progressBar();
    let table: Awaited<ReturnType<typeof openTable>> | undefined;
    let writing = false;
    try {
      if (json && flags.csv === true) throw new CliError('E_USAGE', 'give at most one of --json and --csv');
      if (flags.from !== undefined && flags.to !== undefined && flags.from > flags.to) {
        throw new CliError('E_USAGE', '--from is after --to; give the earlier day first');
      }
      table = await openTable(flags);
      const out = (text: string) => process.stdout.write(text);
      const writer = json
        ? jsonWriter(out, flags.patient, flags.device)
        : flags.csv === true
          ? csvWriter(out)
          : tableWriter(out);
      const types = new Set(flags.type);
      const days = readStoredDays(
        { dynamodb: table.dynamodb, tableName: table.tableName },
        {
          patientId: flags.patient,
          deviceId: flags.device,
          ...(flags.from !== undefined && { fromDay: flags.from }),
          ...(flags.to !== undefined && { toDay: flags.to }),
        },
        bar,
      );
      writing = true;
      writer.begin();
      for await (const { summary, events } of days) {
        for (let i = 0; i < events.length; i++) {
          if (types.size === 0 || types.has(events.type[i]!)) writer.event(summary.dayNumber, events, i);
        }
      }
      bar.stop();
      writer.end();
    } catch (error) {
      bar.stop();
      // Once events went out, stdout is a cut-off listing: the exit status and stderr say so.
      reportError(error, { json: json && !writing });
    } finally {
      await table?.close();
    }
  });
}
