import type { VerifyReport } from '../verify/types';
import { count } from './format';

/** Text for `dumpflow verify` and `dumpflow local --verify`: what was checked, then one line per difference. */

export function formatVerifyCounts(report: VerifyReport): string {
  const c = report.counts;
  return (
    `${count(c.dumps)} dump(s) (${count(c.validDumps)} valid, ${count(c.rejectedDumps)} malformed), ` +
    `${count(c.recordsChecked)} records checked against ${count(c.storedEvents)} stored events in ${count(c.deviceDays)} device-day(s)` +
    (c.ledgerItemsScanned > 0 ? `, ${count(c.ledgerItemsScanned)} items scanned for ledger entries` : '')
  );
}

/** One line: the verdict, for a summary that has other things to say. */
export function formatVerifyLine(report: VerifyReport): string {
  const n = report.differences.length;
  return `verify: ${n === 0 ? 'no differences' : `${count(n)} difference(s)`}; ${formatVerifyCounts(report)}`;
}

/** One line per difference (the first `shown`, then "... and N more"). */
export function formatDifferences(report: VerifyReport, shown = 20): string[] {
  const { differences } = report;
  const lines = differences.slice(0, shown).map((d) => `  ${d.kind}  ${d.subject}: ${d.detail}`);
  if (differences.length > shown) lines.push(`  ... and ${count(differences.length - shown)} more`);
  return lines;
}

/** The verdict, then each difference on its own line (the first `shown`, then "... and N more"). */
export function formatVerifyReport(report: VerifyReport, shown = 20): string {
  const { differences } = report;
  const lines = [
    `verified s3://${report.bucket}/${report.prefix} against table ${report.tableName} in ${(report.elapsedMs / 1000).toFixed(1)} s`,
    `  ${formatVerifyCounts(report)}`,
    differences.length === 0 ? 'no differences' : `${count(differences.length)} difference(s):`,
    ...formatDifferences(report, shown),
  ];
  return `${lines.join('\n')}\n`;
}
