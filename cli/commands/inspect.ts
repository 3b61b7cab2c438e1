import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { decodeDump, EventType, formatInstant, type DecodedDump } from '../../lambdas/core/dump';
import { fileError, reportError } from '../errors';
import { count, size } from '../format';

interface InspectFlags {
  readonly json?: boolean;
}

/** The `--json` shape: one object, documented in the CLI help and relied on by scripts. */
export interface InspectReport {
  readonly deviceId: string;
  readonly patientId: string;
  readonly version: number;
  readonly recordSize: number;
  /** ISO 8601; years beyond 9999 in extended form (+275760-...), never an error. */
  readonly createdAt: string;
  readonly records: number;
  readonly validRecords: number;
  readonly rejectedRecords: { readonly R_TIME_RANGE: number; readonly R_VALUE: number };
  /** Valid events per UTC day, ascending; no dedupe, no expiry. */
  readonly days: ReadonlyArray<{ readonly day: string; readonly events: number }>;
}

export function inspectReport(decoded: DecodedDump): InspectReport {
  const { header, rejectedRecords, events, days } = decoded;
  return {
    deviceId: header.deviceId,
    patientId: header.patientId,
    version: header.version,
    recordSize: header.recordSize,
    createdAt: formatInstant(header.createdAtDayNumber, header.createdAtMsOfDay),
    records: header.recordCount,
    validRecords: events.length,
    rejectedRecords: { R_TIME_RANGE: rejectedRecords.R_TIME_RANGE, R_VALUE: rejectedRecords.R_VALUE },
    days: days.map((group) => ({ day: group.day, events: group.indices.length })),
  };
}

const TYPE_NAMES = new Map<number, string>(Object.entries(EventType).map(([name, code]) => [code, name]));
const SHOWN_DAYS = 7;

function humanSummary(file: string, fileSize: number, decoded: DecodedDump, report: InspectReport): string {
  const { header, events } = decoded;
  const byType = new Map<string, number>();
  for (let i = 0; i < events.length; i++) {
    const name = TYPE_NAMES.get(events.type[i]!) ?? 'unknown types';
    byType.set(name, (byType.get(name) ?? 0) + 1);
  }
  const firmware = `${header.firmware >>> 16}.${(header.firmware >>> 8) & 0xff}.${header.firmware & 0xff}`;
  const lines = [
    `file       ${file} (${count(fileSize)} bytes, ${size(fileSize)})`,
    `device     ${header.deviceId}`,
    `patient    ${header.patientId}`,
    `format     MDMP/${header.version}, header ${header.headerSize} B, record ${header.recordSize} B, firmware ${firmware}`,
    `created    ${report.createdAt}`,
    `records    ${count(report.records)}: ${count(report.validRecords)} valid, ` +
      `${count(report.rejectedRecords.R_TIME_RANGE)} R_TIME_RANGE, ${count(report.rejectedRecords.R_VALUE)} R_VALUE`,
  ];
  if (byType.size > 0) {
    lines.push(
      `types      ${[...byType]
        .sort((a, b) => b[1] - a[1])
        .map(([name, n]) => `${name} ${count(n)}`)
        .join(', ')}`,
    );
  }
  const days = report.days;
  lines.push(
    days.length === 0
      ? 'days       none'
      : `days       ${days.length}, ${days[0]!.day} .. ${days[days.length - 1]!.day} (UTC; before dedupe and expiry)`,
  );
  const shown =
    days.length <= SHOWN_DAYS * 2
      ? days
      : [...days.slice(0, SHOWN_DAYS), undefined, ...days.slice(-SHOWN_DAYS)];
  for (const day of shown) {
    lines.push(
      day === undefined
        ? `  ... ${days.length - SHOWN_DAYS * 2} more days`
        : `  ${day.day}  ${count(day.events).padStart(9)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `dumpflow inspect FILE`: decodes one dump and summarises it, or says why it is rejected. */
export function registerInspect(program: Command): Command {
  return program
    .command('inspect')
    .description(
      'decode a dump and summarise it; exit status 2 with "error E_CODE: ..." when MDMP/1 rejects it, 1 when it cannot be read',
    )
    .argument('<file>', 'the .dump file')
    .option(
      '--json',
      'print exactly one JSON object on stdout (the summary, or {"error":{"code","message"}})',
    )
    .action(async (file: string, flags: InspectFlags) => {
      const json = flags.json === true;
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        reportError(fileError('read', file, error), { json });
        return;
      }
      try {
        const decoded = decodeDump(bytes);
        const report = inspectReport(decoded);
        process.stdout.write(
          json ? `${JSON.stringify(report)}\n` : humanSummary(file, bytes.length, decoded, report),
        );
      } catch (error) {
        reportError(error, { json });
      }
    });
}
