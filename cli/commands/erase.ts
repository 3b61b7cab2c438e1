import { PIPELINE_SETTINGS } from '../../lambdas/shared/pipeline-settings';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { ERASE_KINDS, erasePatient, type EraseReport } from '../../erase';
import { CliError, reportError } from '../errors';
import { positiveInteger } from '../options';
import { openTable, tableSourceOptions, type TableSourceFlags } from '../table-source';

interface EraseFlags extends TableSourceFlags {
  readonly patient: string;
  readonly device?: string;
  readonly bucket?: string;
  readonly rejectedPrefix: string;
  readonly stagingPrefix: string;
  readonly saltBuckets: number;
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  readonly json?: boolean;
}

const LABELS: Record<(typeof ERASE_KINDS)[number], string> = {
  eventPages: 'event pages',
  daySummaries: 'day summaries',
  kpis: 'KPI items',
  dayLeases: 'day leases',
  ledgerItems: 'ledger items (ledger, plan, chunk outcomes)',
  claims: 'object claims',
  patientDumps: "patient's dump entries",
  patientDevices: "patient's device entries",
  objectVersions: 'S3 object versions (uploads, rejected copies, staged days)',
};

export function formatEraseReport(report: EraseReport): string {
  const width = Math.max(...ERASE_KINDS.map((kind) => LABELS[kind].length));
  const lines = [
    `${report.dryRun ? 'dry run: would erase' : 'erased'} ${report.devices} device(s) and ${report.dumps} dump(s)`,
    ...ERASE_KINDS.map(
      (kind) =>
        `  ${LABELS[kind].padEnd(width)}  found ${String(report.found[kind]).padStart(6)}  deleted ${String(report.deleted[kind]).padStart(6)}`,
    ),
  ];
  if (report.s3Skipped) lines.push('  S3 not searched: no --bucket given (a local state keeps no objects)');
  if (report.otherBucketDumps > 0) {
    lines.push(`  ${report.otherBucketDumps} dump(s) are in another bucket: run again with that --bucket`);
  }
  if (report.dryRun) lines.push('nothing was deleted; run again with --yes to erase');
  return `${lines.join('\n')}\n`;
}

/** `dumpflow erase`: removes one patient (or one of their devices) from the table and the bucket. */
export function registerErase(program: Command): Command {
  return tableSourceOptions(
    program
      .command('erase')
      .description(
        "delete everything stored of one patient: event pages, summaries, KPIs, the ledger of their dumps, and every S3 version of those dumps and their rejected copies; idempotent, and a run cut short is finished by running it again (docs/operations.md, 'Erasing a patient')",
      )
      .requiredOption('--patient <id>', 'patient id, as in the dumps')
      .option('--device <id>', "only this device of the patient's"),
  )
    .option('--bucket <name>', 'the dump bucket (with --table); without it S3 is not touched')
    .option('--rejected-prefix <prefix>', 'where rejected copies are filed', PIPELINE_SETTINGS.rejectedPrefix)
    .option('--staging-prefix <prefix>', 'where dense days are staged', PIPELINE_SETTINGS.stagingPrefix)
    .option(
      '--salt-buckets <n>',
      'event partitions per device-day to look in: the largest SALT_BUCKETS ever deployed',
      positiveInteger,
      10,
    )
    .option('--dry-run', 'find and count what would be erased; delete nothing')
    .option('--yes', 'really delete (erasure cannot be undone)')
    .option('--json', 'print one JSON object (the report, or {"error":{"code","message"}}) on stdout')
    .action(async (flags: EraseFlags) => {
      const json = flags.json === true;
      let table: Awaited<ReturnType<typeof openTable>> | undefined;
      let s3: S3Client | undefined;
      try {
        if (flags.dryRun === true && flags.yes === true) {
          throw new CliError('E_USAGE', 'give either --dry-run (count only) or --yes (delete), not both');
        }
        if (flags.dryRun !== true && flags.yes !== true) {
          throw new CliError(
            'E_CONFIRM',
            'erasure deletes data for good: run with --dry-run first to see what it finds, then with --yes to delete it',
          );
        }
        if (flags.bucket !== undefined && flags.state !== undefined) {
          throw new CliError(
            'E_USAGE',
            '--bucket goes with --table; a local state (--state) keeps no objects',
          );
        }
        table = await openTable(flags);
        s3 = flags.bucket === undefined ? undefined : new S3Client({ maxAttempts: 6 });
        const report = await erasePatient({
          dynamodb: table.dynamodb,
          tableName: table.tableName,
          ...(s3 !== undefined && { s3, bucket: flags.bucket! }),
          patientId: flags.patient,
          ...(flags.device !== undefined && { deviceId: flags.device }),
          dryRun: flags.dryRun === true,
          saltBuckets: flags.saltBuckets,
          rejectedPrefix: flags.rejectedPrefix,
          stagingPrefix: flags.stagingPrefix,
        });
        process.stdout.write(json ? `${JSON.stringify(report)}\n` : formatEraseReport(report));
      } catch (error) {
        reportError(error, { json });
      } finally {
        s3?.destroy();
        await table?.close();
      }
    });
}
