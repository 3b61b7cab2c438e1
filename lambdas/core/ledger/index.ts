/**
 * The dump ledger: claim (claim.ts), the chunk plan (plan.ts), start (start.ts), progress and
 * completion (progress.ts), the other transitions (finish.ts), the item itself (entry.ts) and the
 * watch index (watch.ts). docs/data-model.md describes the items and docs/reliability.md the
 * sequences they survive.
 */
export {
  FINAL_STATUSES,
  LedgerConflictError,
  completionOf,
  parseLedger,
  readLedger,
  type DumpCompletion,
  type DumpCounts,
  type DumpStatus,
  type DumpTotals,
  type LedgerDeps,
  type LedgerEntry,
} from './entry';
export { claimDump, claimedVersions, findDumpId, newDumpId, readLedgerOf, type ClaimResult } from './claim';
export {
  committedOutcomes,
  decodePlan,
  encodePlan,
  pendingChunks,
  readPlan,
  writePlan,
  type PlannedChunk,
  type StoredPlan,
} from './plan';
export { completeIfCommitted, markChunkDone, type ProgressDeps } from './progress';
export { startProcessing, type StartProcessingInput, type StartProcessingResult } from './start';
export { failDump, leaveWatch, noteRedrive, recordPatientDump, rejectDump } from './finish';
export {
  CLOCK_SKEW_MARGIN_MS,
  DEFAULT_WATCH,
  dueEntries,
  stillDue,
  WATCH_DUMP,
  WATCH_KPI,
  type WatchSettings,
} from './watch';
export { findDumps, looksLikeDumpId, stuckDumps, UnknownDumpError } from './status';
