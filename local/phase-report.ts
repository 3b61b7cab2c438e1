import { RECORD_ERROR_CODES, type RejectedRecordCounts } from '../lambdas/core/dump/types';
import type { BilledUnits } from './aws-billing';
import type { MeteredCapacity } from './capacity-tap';
import type { LedgerEntry } from '../lambdas/core/ledger';

/** What one phase (or the whole run) did, read back from the dump ledger. */
export interface PhaseReport {
  /** Dumps uploaded. */
  readonly dumps: number;
  /** File name -> whole-dump error code, for every rejected dump. */
  readonly rejectedDumps: Readonly<Record<string, string>>;
  /**
   * Valid records of the accepted dumps (records minus record errors). Each is exactly one of
   * expired, stored or duplicate: eventsParsed = expired + eventsStored + duplicates.
   */
  readonly eventsParsed: number;
  readonly eventsStored: number;
  /** Later copies of an already stored event (within a dump or across dumps). */
  readonly duplicates: number;
  /** The duplicates whose flags, value or duration differ from the stored copy (a subset of duplicates). */
  readonly conflicts: number;
  readonly rejectedRecords: RejectedRecordCounts;
  /** Valid records more than 400 days older than the processing time. */
  readonly expired: number;
  /** The functions' read and write units as AWS bills them (local/aws-billing.ts). */
  readonly readUnits: number;
  readonly writeUnits: number;
  /** The same requests as DynamoDB Local reported them (it bills transactional writes and empty reads differently). */
  readonly dynamodbLocal: BilledUnits;
  readonly elapsedMs: number;
  /** Upload (S3 event time) to COMPLETE in the ledger, over accepted dumps; null without any. */
  readonly latencyMs: { readonly p50: number | null; readonly p95: number | null };
}

/** A finished ledger entry with the file name it was uploaded from. */
export interface FinishedDump {
  readonly fileName: string;
  readonly ledger: LedgerEntry;
}

/** Nearest-rank percentile of an ascending list: the smallest value with at least p% at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

function noRejections(): Record<keyof RejectedRecordCounts, number> {
  return Object.fromEntries(RECORD_ERROR_CODES.map((code) => [code, 0])) as Record<
    keyof RejectedRecordCounts,
    number
  >;
}

/** Sums finished ledger entries into a phase report. */
export function phaseReport(
  finished: readonly FinishedDump[],
  capacity: MeteredCapacity,
  elapsedMs: number,
): PhaseReport {
  const rejectedDumps: Record<string, string> = {};
  const rejectedRecords = noRejections();
  const latencies: number[] = [];
  let eventsParsed = 0;
  let eventsStored = 0;
  let duplicates = 0;
  let conflicts = 0;
  let expired = 0;
  for (const { fileName, ledger } of finished) {
    if (ledger.status === 'REJECTED') {
      rejectedDumps[fileName] = ledger.code ?? 'UNKNOWN';
      continue;
    }
    if (ledger.counts) {
      eventsParsed += ledger.counts.valid;
      expired += ledger.counts.expired;
      for (const code of RECORD_ERROR_CODES) rejectedRecords[code] += ledger.counts.rejected[code];
    }
    if (ledger.totals) {
      eventsStored += ledger.totals.stored;
      duplicates += ledger.totals.duplicates;
      conflicts += ledger.totals.conflicts;
    }
    if (ledger.completedAt !== undefined) latencies.push(ledger.completedAt - ledger.uploadedAt);
  }
  latencies.sort((a, b) => a - b);
  return {
    dumps: finished.length,
    rejectedDumps,
    eventsParsed,
    eventsStored,
    duplicates,
    conflicts,
    rejectedRecords,
    expired,
    readUnits: capacity.aws.readUnits,
    writeUnits: capacity.aws.writeUnits,
    dynamodbLocal: capacity.dynamodbLocal,
    elapsedMs,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95) },
  };
}

/** The run as a whole: counts and units added up, latency percentiles over every phase's dumps. */
export function totalReport(
  phases: readonly { readonly report: PhaseReport; readonly finished: readonly FinishedDump[] }[],
): PhaseReport {
  const all = phases.flatMap((p) => p.finished);
  const capacity = phases.reduce<MeteredCapacity>(
    (sum, p) => ({
      requests: 0,
      aws: {
        readUnits: sum.aws.readUnits + p.report.readUnits,
        writeUnits: sum.aws.writeUnits + p.report.writeUnits,
      },
      dynamodbLocal: {
        readUnits: sum.dynamodbLocal.readUnits + p.report.dynamodbLocal.readUnits,
        writeUnits: sum.dynamodbLocal.writeUnits + p.report.dynamodbLocal.writeUnits,
      },
    }),
    { requests: 0, aws: { readUnits: 0, writeUnits: 0 }, dynamodbLocal: { readUnits: 0, writeUnits: 0 } },
  );
  const elapsed = phases.reduce((sum, p) => sum + p.report.elapsedMs, 0);
  const report = phaseReport(all, capacity, elapsed);
  // File names repeat across phases; keep each phase's rejections under a phase-qualified name.
  const rejectedDumps: Record<string, string> = {};
  phases.forEach((p, i) => {
    for (const [name, code] of Object.entries(p.report.rejectedDumps)) {
      rejectedDumps[phases.length > 1 ? `${i + 1}:${name}` : name] = code;
    }
  });
  return { ...report, rejectedDumps };
}
