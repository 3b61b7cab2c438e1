import { InvalidArgumentError, type Command } from 'commander';
import { findDumps, stuckDumps, type LedgerDeps, type LedgerEntry } from '../../lambdas/core/ledger';
import { LOCAL_BUCKET } from '../../local/services/s3-sqs';
import { CliError, reportError } from '../errors';
import { count } from '../format';
import { openTable, tableSourceOptions, type TableSourceFlags } from '../table-source';

interface StatusFlags extends TableSourceFlags {
  readonly stuck?: boolean;
  readonly dump?: string;
  readonly bucket?: string;
  readonly showPatient?: boolean;
  readonly json?: boolean;
}

/** One dump as `status` shows it; `--json` prints these as they are. */
export interface DumpStatusView {
  readonly dumpId: string;
  readonly status: string;
  readonly bucket: string;
  readonly key: string;
  readonly version: string;
  readonly deviceId?: string;
  /** Only with --show-patient: patient ids are health data and stay out of terminals and logs by default. */
  readonly patientId?: string;
  readonly uploadedAt: string;
  readonly completedAt?: string;
  /** The deadline while the dump is watched, and how far past it `asOf` is (0 when not yet due). */
  readonly due?: string;
  readonly overdueMs?: number;
  readonly chunks: { readonly expected: number | null; readonly done: number };
  readonly counts?: {
    readonly records: number;
    readonly valid: number;
    readonly expired: number;
    readonly rejected: Readonly<Record<string, number>>;
  };
  readonly totals?: { readonly stored: number; readonly duplicates: number; readonly conflicts: number };
  readonly redrives: number;
  readonly code?: string;
  readonly message?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function dumpStatusView(ledger: LedgerEntry, asOf: number, showPatient: boolean): DumpStatusView {
  const rejected = Object.fromEntries(
    Object.entries(ledger.counts?.rejected ?? {}).filter(([, value]) => value > 0),
  );
  return {
    dumpId: ledger.dumpId,
    status: ledger.status,
    bucket: ledger.bucket,
    key: ledger.key,
    version: ledger.version,
    ...(ledger.deviceId !== undefined && { deviceId: ledger.deviceId }),
    ...(showPatient && ledger.patientId !== undefined && { patientId: ledger.patientId }),
    uploadedAt: iso(ledger.uploadedAt),
    ...(ledger.completedAt !== undefined && { completedAt: iso(ledger.completedAt) }),
    ...(ledger.due !== undefined && { due: iso(ledger.due), overdueMs: Math.max(0, asOf - ledger.due) }),
    chunks: { expected: ledger.chunksExpected ?? null, done: ledger.done },
    ...(ledger.counts && {
      counts: {
        records: ledger.counts.records,
        valid: ledger.counts.valid,
        expired: ledger.counts.expired,
        rejected,
      },
    }),
    ...(ledger.totals && { totals: ledger.totals }),
    redrives: ledger.redrives,
    ...(ledger.code !== undefined && { code: ledger.code }),
    ...(ledger.message !== undefined && { message: ledger.message }),
  };
}

function minutes(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 60_000).toFixed(1)} min`;
}

function formatOne(view: DumpStatusView): string {
  const lines = [`dump ${view.dumpId}  ${view.status}`];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(10)} ${value}`);
  row('object', `${view.bucket}/${view.key} (version ${view.version})`);
  if (view.deviceId !== undefined) row('device', view.deviceId);
  if (view.patientId !== undefined) row('patient', view.patientId);
  row('uploaded', view.uploadedAt);
  if (view.completedAt !== undefined) row('completed', view.completedAt);
  row(
    'chunks',
    `${count(view.chunks.done)} of ${view.chunks.expected === null ? '?' : count(view.chunks.expected)} done`,
  );
  if (view.counts) {
    const rejected = Object.entries(view.counts.rejected).map(([code, n]) => `${code} ${count(n)}`);
    row(
      'records',
      `${count(view.counts.records)}: valid ${count(view.counts.valid)}, expired ${count(view.counts.expired)}, rejected ${rejected.length === 0 ? '0' : rejected.join(', ')}`,
    );
  }
  if (view.totals) {
    row(
      'stored',
      `${count(view.totals.stored)} (duplicates ${count(view.totals.duplicates)}, conflicts ${count(view.totals.conflicts)})`,
    );
  }
  row('redrives', String(view.redrives));
  if (view.due !== undefined) {
    row(
      'due',
      view.overdueMs! > 0 ? `${view.due} (${minutes(view.overdueMs!)} past its deadline)` : view.due,
    );
  }
  if (view.code !== undefined) row('reason', `${view.code}${view.message ? `: ${view.message}` : ''}`);
  return `${lines.join('\n')}\n`;
}

function formatStuck(views: readonly DumpStatusView[], asOf: number): string {
  if (views.length === 0) return `no dump is past its deadline (as of ${iso(asOf)})\n`;
  const header = `${'dump'.padEnd(24)} ${'status'.padEnd(10)} ${'overdue'.padStart(10)} ${'chunks'.padStart(13)} ${'redrives'.padStart(8)}  object`;
  const rows = views.map(
    (v) =>
      `${v.dumpId.padEnd(24)} ${v.status.padEnd(10)} ${minutes(v.overdueMs ?? 0).padStart(10)} ${`${v.chunks.done}/${v.chunks.expected ?? '?'}`.padStart(13)} ${String(v.redrives).padStart(8)}  ${v.bucket}/${v.key}`,
  );
  return [`${views.length} dump(s) past their deadline (as of ${iso(asOf)})`, header, ...rows, ''].join('\n');
}

/** `s3://bucket/key` names both; anything else is a dump id or a key in the default bucket. */
function dumpArgument(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('expected a dump id or an object key.');
  return value;
}

function splitS3Url(dump: string, bucket: string | undefined): { dump: string; bucket: string | undefined } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(dump);
  return match ? { bucket: match[1], dump: match[2]! } : { dump, bucket };
}

/** `dumpflow status`: one dump's ledger, or every dump past its deadline (the watch index). */
export function registerStatus(program: Command): Command {
  return tableSourceOptions(
    program
      .command('status')
      .description(
        "a dump's ledger state and counts (--dump), or every dump past its deadline (--stuck), from a table on AWS (--table) or a local state (--state)",
      )
      .option('--stuck', 'list every dump past its deadline and not final (reads the watch index only)')
      .option(
        '--dump <id|key>',
        'a dump id, an object key (every claimed version of it), or s3://bucket/key',
        dumpArgument,
      )
      .option(
        '--bucket <name>',
        `the bucket an object key given to --dump is in (default with --state: ${LOCAL_BUCKET})`,
      )
      .option('--show-patient', 'include patient ids (left out by default: they are health data)')
      .option('--json', 'one JSON object {asOf, dumps: [{dumpId, status, chunks, counts, totals, ...}]}'),
  ).action(async (flags: StatusFlags) => {
    const json = flags.json === true;
    let table: Awaited<ReturnType<typeof openTable>> | undefined;
    try {
      if ((flags.stuck === true) === (flags.dump !== undefined)) {
        throw new CliError(
          'E_USAGE',
          'give exactly one of --stuck (every dump past its deadline) and --dump ID|KEY',
        );
      }
      table = await openTable(flags);
      const deps: LedgerDeps = { dynamodb: table.dynamodb, tableName: table.tableName };
      const asOf = Date.now();
      const defaultBucket = flags.bucket ?? (flags.state === undefined ? undefined : LOCAL_BUCKET);
      let ledgers: LedgerEntry[];
      if (flags.dump === undefined) {
        ledgers = await stuckDumps(deps, asOf);
      } else {
        const named = splitS3Url(flags.dump, defaultBucket);
        ledgers = await findDumps(deps, named.dump, named.bucket);
      }
      const views = ledgers.map((ledger) => dumpStatusView(ledger, asOf, flags.showPatient === true));
      process.stdout.write(
        json
          ? `${JSON.stringify({ asOf: iso(asOf), dumps: views })}\n`
          : flags.dump === undefined
            ? formatStuck(views, asOf)
            : views.map(formatOne).join('\n'),
      );
    } catch (error) {
      reportError(error, { json });
    } finally {
      await table?.close();
    }
  });
}
