import type { DigestEntries } from '../lambdas/core/storage/digest';
import type { LedgerEntry } from '../lambdas/core/storage/ledger';
import type { DaySummary } from '../lambdas/core/storage/summary';

/**
 * What `dumpflow verify` can find wrong. Each kind names one broken promise of the pipeline
 * (docs/verify.md lists them with what to do about each).
 */
export const DIFFERENCE_KINDS = [
  /** A dump in the bucket has no ledger item: it was never claimed (lost notification?). */
  'NO_LEDGER',
  /** A valid dump whose ledger is not COMPLETE (still processing, stuck, or wrongly REJECTED). */
  'NOT_COMPLETE',
  /** A COMPLETE ledger's counts or totals disagree with the file and the stored events. */
  'LEDGER_COUNTS',
  /** Identities of a valid dump that no event item holds. */
  'EVENT_MISSING',
  /** An identity held by more than one event item (two salt partitions). */
  'EVENT_DUPLICATED',
  /** An event item under a salt partition its identity does not hash to, or with fields that disagree with its key. */
  'EVENT_MISPLACED',
  /** A device-day whose day summary or digest disagrees with its stored events. */
  'DAY_INCONSISTENT',
  /** A malformed dump whose ledger is not REJECTED, or REJECTED with another code. */
  'NOT_REJECTED',
  /** A REJECTED dump whose tagged copy under the rejected prefix is gone. */
  'REJECTED_COPY_MISSING',
  /** A ledger item whose object version is no longer in the bucket. */
  'OBJECT_MISSING',
] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

export interface Difference {
  readonly kind: DifferenceKind;
  /** The object key (dumps) or `patientId/deviceId/YYYY-MM-DD` (device-days). */
  readonly subject: string;
  /** One sentence a person can act on. */
  readonly detail: string;
}

/** One device-day as the table holds it: every event item of every salt partition, the summary and the digest. */
export interface StoredDay {
  readonly patientId: string;
  readonly deviceId: string;
  readonly dayNumber: number;
  readonly events: readonly StoredEvent[];
  readonly summary: DaySummary | undefined;
  /** Digest pages in version order. */
  readonly digestPages: readonly { readonly version: number; readonly entries: DigestEntries }[];
}

/** One event item, read back from its key and attributes. */
export interface StoredEvent {
  /** The salt partition it was found in. */
  readonly salt: number;
  /** The sort key: msOfDay-seq-type, the identity within the device-day. */
  readonly sk: string;
  readonly msOfDay: number;
  readonly seq: number;
  readonly type: number;
  readonly flags: number;
  readonly value: number;
  readonly duration: number;
  /** The `ts` attribute as text (exact past 2^53). */
  readonly ts: string;
}

/** The stored copy of one identity, for comparing a dump's copies against it. */
export interface StoredContent {
  readonly flags: number;
  readonly value: number;
  readonly duration: number;
  /** Event items holding this identity (1 when all is well). */
  readonly items: number;
}

/** A device-day's stored events by identity (sort key). */
export type StoredDayIndex = ReadonlyMap<string, StoredContent>;

export type { LedgerEntry };

/** Totals of what a run looked at, for the summary and the bench. */
export interface VerifyCounts {
  /** Objects listed under the prefix (rejected copies excluded). */
  dumps: number;
  validDumps: number;
  rejectedDumps: number;
  /** Valid records of valid dumps compared with the stored events (expired ones excluded). */
  recordsChecked: number;
  /** Device-days whose summary, digest and events were cross-checked. */
  deviceDays: number;
  /** Event items read. */
  eventItems: number;
  /** Ledger items scanned for missing objects (0 without the ledger scan). */
  ledgerItemsScanned: number;
}

export interface VerifyReport {
  readonly bucket: string;
  readonly tableName: string;
  readonly prefix: string;
  readonly counts: VerifyCounts;
  /** Every difference found, in the order found. */
  readonly differences: readonly Difference[];
  readonly elapsedMs: number;
}
