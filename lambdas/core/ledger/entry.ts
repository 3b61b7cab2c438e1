import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { RECORD_ERROR_CODES, type RejectedRecordCounts } from '../dump/types';
import { DumpflowError } from '../errors';
import { CapacityMeter } from '../storage/capacity';
import { defaultTiming, type RetryTiming } from '../storage/retry';
import { StoredItemError } from '../storage/errors';
import { readItem, toAttributes } from '../storage/items';
import { dumpIdFromLedgerPk, LEDGER_SK, ledgerPk, RETENTION_DAYS } from '../storage/keys';
import type { TableAccess } from '../storage/table-access';

/**
 * The dump ledger's item (pk L#{dumpId}, sk LEDGER): one per uploaded object version, keyed by
 * an opaque random dump id (claim.ts maps the object to it).
 *
 *   RECEIVED   claimed by a parser, not yet fanned out
 *   PROCESSING fanned out: chunksExpected chunk messages are in flight; `done` counts committed ones
 *   COMPLETE   every chunk committed; totals and completedAt set (exactly one completer wins)
 *   REJECTED   the whole dump was rejected (code)
 *   FAILED     the watchdog gave up re-driving it (code, message); an alarm says so
 */

export type DumpStatus = 'RECEIVED' | 'PROCESSING' | 'COMPLETE' | 'REJECTED' | 'FAILED';

export const FINAL_STATUSES: ReadonlySet<DumpStatus> = new Set(['COMPLETE', 'REJECTED', 'FAILED']);

export interface LedgerDeps extends TableAccess {
  /** Wall clock (ms) for timestamps. @default Date.now */
  readonly clock?: () => number;
  /** Backoff for transactions cancelled by a conflicting one. @default real time */
  readonly timing?: RetryTiming;
}

export interface DumpCounts {
  /** Records in the file (header recordCount). */
  readonly records: number;
  readonly valid: number;
  readonly rejected: RejectedRecordCounts;
  readonly expired: number;
}

export interface DumpTotals {
  readonly stored: number;
  readonly duplicates: number;
  readonly conflicts: number;
}

export interface LedgerEntry {
  /** The opaque dump id (what logs and messages name). */
  readonly dumpId: string;
  readonly status: DumpStatus;
  readonly bucket: string;
  readonly key: string;
  readonly version: string;
  /** Whether `version` is a versionId (versioned bucket) or an ETag. */
  readonly versionKind: 'versionId' | 'eTag';
  readonly uploadedAt: number;
  /** Processing time for the expiry rule, fixed at claim so a re-drive decides the same way. */
  readonly now: number;
  readonly claimedAt: number;
  /** Whose dump it is, from its header; set when processing starts. */
  readonly patientId?: string;
  readonly deviceId?: string;
  readonly counts?: DumpCounts;
  /** Whole days settled by the parser's summary check. */
  readonly settledDuplicates: number;
  readonly settledConflicts: number;
  readonly chunksExpected?: number;
  /** The most variants per chunk the plan was cut with. */
  readonly chunkEvents?: number;
  /** The chunk plan's id and how many PLAN items hold it (plan.ts). */
  readonly planId?: string;
  readonly planParts?: number;
  /** Committed chunks counted so far (progress.ts). */
  readonly done: number;
  /** Re-drives the watchdog made. */
  readonly redrives: number;
  readonly code?: string;
  readonly message?: string;
  readonly totals?: DumpTotals;
  readonly completedAt?: number;
  /** The watch index entry, while the dump is watched (watch.ts). */
  readonly watch?: string;
  readonly due?: number;
}

export interface DumpCompletion {
  readonly dumpId: string;
  readonly counts: DumpCounts;
  readonly totals: DumpTotals;
  readonly uploadedAt: number;
  readonly completedAt: number;
  /** completedAt - uploadedAt: the pipeline's end-to-end latency for this dump. */
  readonly latencyMs: number;
}

export function ledgerKey(dumpId: string): Record<string, AttributeValue> {
  return toAttributes({ pk: ledgerPk(dumpId), sk: LEDGER_SK });
}

/** Ledger, plan and claim items live for the spec's retention from the day they were written. */
export function ledgerTtl(now: number): number {
  return (Math.floor(now / 86_400_000) + RETENTION_DAYS + 1) * 86_400;
}

export function context(deps: LedgerDeps) {
  return {
    clock: deps.clock ?? Date.now,
    meter: deps.meter ?? new CapacityMeter(),
    timing: deps.timing ?? defaultTiming,
  };
}

/** Attempts at a ledger transaction that keeps meeting another transaction on its items. */
export const CONFLICT_ATTEMPTS = 6;

/** The ledger's transactions met others on the same items every time: the message is retried. */
export class LedgerConflictError extends DumpflowError {
  constructor(step: string, attempts: number, cause?: unknown) {
    super(
      'E_LEDGER_CONFLICT',
      `the dump ledger's ${step} kept meeting concurrent transactions (${attempts} attempts); the message will be retried from the queue`,
      { cause },
    );
  }
}

/** `SET #a = :x, ...` with every attribute name aliased (many plain words are reserved in DynamoDB). */
export function setExpression(assignments: Record<string, string>): {
  expression: string;
  names: Record<string, string>;
} {
  const names: Record<string, string> = {};
  const parts = Object.entries(assignments).map(([name, value]) => {
    names[`#${name}`] = name;
    return `#${name} = ${value}`;
  });
  return { expression: `SET ${parts.join(', ')}`, names };
}

export function noRejections(): RejectedRecordCounts {
  return Object.fromEntries(RECORD_ERROR_CODES.map((code) => [code, 0])) as RejectedRecordCounts;
}

export function parseLedger(item: Record<string, AttributeValue>): LedgerEntry {
  const unnamed = readItem(item, 'a ledger item');
  const status = unnamed.optionalString('status') as DumpStatus | undefined;
  const dumpId = dumpIdFromLedgerPk(unnamed.optionalString('pk') ?? '');
  if (!status || !dumpId) throw new StoredItemError(`ledger item ${dumpId ?? '?'} has no status`);
  // Every other attribute is optional: most are set only as the dump moves on (counts, plan, totals).
  const ledger = unnamed.named(`ledger item ${dumpId}`);
  const number = (name: string) => ledger.optionalNumber(name);
  const string = (name: string) => ledger.optionalString(name);
  const records = number('records');
  const rejectedMap = ledger.optionalNumberMap('rejected') ?? {};
  const rejected = Object.fromEntries(
    RECORD_ERROR_CODES.map((code) => [code, rejectedMap[code] ?? 0]),
  ) as RejectedRecordCounts;
  const stored = number('stored');
  const optional = <T>(name: string, value: T | undefined) => (value === undefined ? {} : { [name]: value });
  return {
    dumpId,
    status,
    bucket: string('bucket') ?? '',
    key: string('key') ?? '',
    version: string('version') ?? '',
    versionKind: string('versionKind') === 'versionId' ? 'versionId' : 'eTag',
    uploadedAt: number('uploadedAt') ?? 0,
    now: number('now') ?? 0,
    claimedAt: number('claimedAt') ?? 0,
    ...optional('patientId', string('patientId')),
    ...optional('deviceId', string('deviceId')),
    ...(records === undefined
      ? {}
      : {
          counts: {
            records,
            valid: number('valid') ?? 0,
            rejected,
            expired: number('expired') ?? 0,
          },
        }),
    settledDuplicates: number('settledDuplicates') ?? 0,
    settledConflicts: number('settledConflicts') ?? 0,
    ...optional('chunksExpected', number('chunksExpected')),
    ...optional('chunkEvents', number('chunkEvents')),
    ...optional('planId', string('planId')),
    ...optional('planParts', number('planParts')),
    done: number('done') ?? 0,
    redrives: number('redrives') ?? 0,
    ...optional('code', string('code')),
    ...optional('message', string('message')),
    ...(stored === undefined
      ? {}
      : {
          totals: {
            stored,
            duplicates: number('duplicates') ?? 0,
            conflicts: number('conflicts') ?? 0,
          },
        }),
    ...optional('completedAt', number('completedAt')),
    ...optional('watch', string('watch')),
    ...optional('due', number('due')),
  };
}

export async function readLedger(deps: LedgerDeps, dumpId: string): Promise<LedgerEntry | undefined> {
  const { meter } = context(deps);
  const response = await deps.dynamodb.send(
    new GetItemCommand({
      TableName: deps.tableName,
      Key: ledgerKey(dumpId),
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  meter.record('read', response.ConsumedCapacity);
  return response.Item ? parseLedger(response.Item) : undefined;
}

/** The completion a COMPLETE ledger describes (for a caller that finds the dump already complete). */
export function completionOf(ledger: LedgerEntry): DumpCompletion | undefined {
  if (ledger.status !== 'COMPLETE' || !ledger.counts || !ledger.totals || ledger.completedAt === undefined) {
    return undefined;
  }
  return {
    dumpId: ledger.dumpId,
    counts: ledger.counts,
    totals: ledger.totals,
    uploadedAt: ledger.uploadedAt,
    completedAt: ledger.completedAt,
    latencyMs: ledger.completedAt - ledger.uploadedAt,
  };
}
