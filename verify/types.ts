import type { PageEvents } from '../lambdas/core/page/codec';
import type { LedgerEntry } from '../lambdas/core/ledger';
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
  /** Identities of a valid dump that no event page holds. */
  'EVENT_MISSING',
  /** An identity held by more than one event page of a device-day (or twice in one page). */
  'EVENT_DUPLICATED',
  /** An event page under a partition its page number does not give: readers never look there. */
  'EVENT_MISPLACED',
  /** A device-day whose summary disagrees with its event pages, or whose pages are missing, corrupt or uncounted. */
  'DAY_INCONSISTENT',
  /** A malformed dump whose ledger is not REJECTED, or REJECTED with another code. */
  'NOT_REJECTED',
  /** A REJECTED dump whose tagged copy under the rejected prefix is gone. */
  'REJECTED_COPY_MISSING',
  /** A ledger item whose object version is no longer in the bucket. */
  'OBJECT_MISSING',
  /** A dump not final past its deadline (the watch index): the watchdog is re-driving it, or gave up. */
  'PAST_DEADLINE',
] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

export interface Difference {
  readonly kind: DifferenceKind;
  /** The object key (dumps) or `patientId/deviceId/YYYY-MM-DD` (device-days). */
  readonly subject: string;
  /** One sentence a person can act on. */
  readonly detail: string;
}

/** One event page item as found in the table, decoded (or why it could not be). */
export interface StoredPage {
  /** The salt partition it was found in. */
  readonly salt: number;
  readonly generation: string;
  readonly page: number;
  /** Its events in identity order; undefined when the page does not decode (`error` says why). */
  readonly events: PageEvents | undefined;
  readonly error?: string;
}

/** One device-day as the table holds it: its summary and every page item of every salt partition. */
export interface StoredDay {
  readonly patientId: string;
  readonly deviceId: string;
  readonly dayNumber: number;
  readonly summary: DaySummary | undefined;
  /** Every page found, of any generation, in partition then page order. */
  readonly pages: readonly StoredPage[];
}

/** The stored copy of one identity, for comparing a dump's copies against it. */
export interface StoredContent {
  readonly flags: number;
  readonly value: number;
  readonly duration: number;
  /** Pages holding this identity (1 when all is well). */
  readonly copies: number;
}

/** A device-day's stored events by identity (dump.identityKey). */
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
  /** Device-days whose summary and event pages were cross-checked. */
  deviceDays: number;
  /** Stored events read (from event pages). */
  storedEvents: number;
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
