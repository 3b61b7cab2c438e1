import type { Command } from 'commander';
import type { StoredKpis } from '../../lambdas/core/kpi/kpi-item';
import { readKpis } from '../../lambdas/core/storage/read-events';
import { reportError } from '../errors';
import { openTable, tableSourceOptions, type TableSourceFlags } from '../table-source';

interface KpisFlags extends TableSourceFlags {
  readonly patient: string;
  readonly device?: string;
  readonly json?: boolean;
}

const show = (value: number | null) => (value === null ? '-' : String(value));

function formatKpis(patientId: string, rows: readonly StoredKpis[]): string {
  if (rows.length === 0) return `no KPIs stored for patient ${patientId}\n`;
  const lines = rows.map(
    (k) =>
      `${k.deviceId.padEnd(17)} ${k.asOf.padEnd(11)} ${String(k.usageDays).padStart(5)} ${String(k.compliancePct).padStart(11)} ${String(k.avgUsageMinutes).padStart(10)} ${show(k.ahi).padStart(7)} ${show(k.meanLeak).padStart(9)} ${String(k.alarms).padStart(6)} ${String(k.events).padStart(8)}`,
  );
  return [
    `KPIs of patient ${patientId} (45-day window ending on asOf)`,
    `${'device'.padEnd(17)} ${'asOf'.padEnd(11)} ${'usage'.padStart(5)} ${'compliance%'.padStart(11)} ${'avgMinutes'.padStart(10)} ${'ahi'.padStart(7)} ${'meanLeak'.padStart(9)} ${'alarms'.padStart(6)} ${'events'.padStart(8)}`,
    ...lines,
    '',
  ].join('\n');
}

/** `dumpflow kpis`: the KPIs the KPI function stored for a patient's devices. */
export function registerKpis(program: Command): Command {
  return tableSourceOptions(
    program
      .command('kpis')
      .description(
        "print a patient's KPIs per device (or one device's) from a table on AWS (--table) or a local state (--state)",
      )
      .requiredOption('--patient <id>', 'patient id, as in the dumps')
      .option('--device <id>', 'only this device (default: every device of the patient)')
      .option('--json', 'one JSON object {patientId, kpis: [{deviceId, asOf, windowStart, usageDays, ...}]}'),
  ).action(async (flags: KpisFlags) => {
    const json = flags.json === true;
    let table: Awaited<ReturnType<typeof openTable>> | undefined;
    try {
      table = await openTable(flags);
      const rows = await readKpis(
        { dynamodb: table.dynamodb, tableName: table.tableName },
        flags.patient,
        flags.device,
      );
      process.stdout.write(
        json
          ? `${JSON.stringify({ patientId: flags.patient, kpis: rows.map(({ patientId: _patient, ...row }) => row) })}\n`
          : formatKpis(flags.patient, rows),
      );
    } catch (error) {
      reportError(error, { json });
    } finally {
      await table?.close();
    }
  });
}
