import type { DecodedDump } from '../dump/types';
import { startProcessing, type LedgerEntry, type ProgressDeps, type StartProcessingResult } from '../ledger';
import {
  buildChunkMessage,
  chunkMessageBody,
  DEFAULT_MAX_CHUNK_EVENTS,
  planChunks,
  type ChunkPlan,
} from './chunks';
import { StoredItemError } from './errors';
import { chunkId } from './keys';
import { prepareDump, type PreparedDump } from './prepare';
import { settleWholeDays } from './settle';

export interface FanOutPlan {
  readonly prepared: PreparedDump;
  readonly settledDays: number;
  readonly started: StartProcessingResult;
  /** The chunk messages still to send: all of them, or on a re-drive only those not yet committed. */
  readonly messages: readonly { readonly chunkId: string; readonly body: string }[];
}

/**
 * The parser's half of the pipeline for a claimed, decoded dump: expiry and intra-dump dedupe,
 * the whole-day shortcut (one summary Query), chunk planning, and the ledger's PROCESSING state.
 * Days that Query found without a summary go out with the empty-day hint (see writeChunk).
 *
 * On a re-drive the dump has a stored plan, and the chunks to send are that plan's pending ones,
 * cut from the dump exactly as the plan was: not what this run's summary Query would choose. A
 * planned day that another dump has stored in full since is still sent (its chunk then commits
 * an outcome of duplicates); leaving it out would leave the dump short of a chunk forever.
 * Shared by the parser Lambda and the in-process path, so both follow one order.
 */
export async function planFanOut(
  deps: ProgressDeps,
  ledger: LedgerEntry,
  dump: DecodedDump,
  options: { readonly maxChunkEvents?: number } = {},
): Promise<FanOutPlan> {
  const prepared = prepareDump(dump, { now: ledger.now });
  const settled = await settleWholeDays(
    { client: deps.client, tableName: deps.tableName, ...(deps.meter ? { meter: deps.meter } : {}) },
    prepared,
  );
  const chunkEvents = options.maxChunkEvents ?? DEFAULT_MAX_CHUNK_EVENTS;
  const plans = planChunks(prepared, settled.remainingDays, { maxEvents: chunkEvents });
  const started = await startProcessing(deps, ledger.dumpId, {
    patientId: prepared.patientId,
    deviceId: prepared.deviceId,
    counts: {
      records: prepared.records,
      valid: prepared.valid,
      rejected: prepared.rejected,
      expired: prepared.expired,
    },
    settledDuplicates: settled.duplicates,
    settledConflicts: settled.conflicts,
    chunks: plans.map((plan) => ({ dayNumber: plan.day.dayNumber, part: plan.part })),
    chunkEvents,
  });
  const toSend = started.kind === 'started' ? plans : pendingPlans(prepared, started.pending, started.ledger);
  const messages = toSend.map((plan) => ({
    chunkId: plan.chunkId,
    body: chunkMessageBody(
      buildChunkMessage(prepared, plan, {
        dumpId: ledger.dumpId,
        uploadedAt: ledger.uploadedAt,
        emptyDays: settled.emptyDays,
      }),
    ),
  }));
  return { prepared, settledDays: settled.settledDays.length, started, messages };
}

/** The stored plan's pending chunks, cut from every non-expired day of the dump as the plan was cut. */
function pendingPlans(
  prepared: PreparedDump,
  pending: readonly { readonly dayNumber: number; readonly part: number }[],
  ledger: LedgerEntry,
): ChunkPlan[] {
  if (pending.length === 0) return [];
  const wanted = new Set(pending.map((chunk) => chunkId(chunk.dayNumber, chunk.part)));
  const all = planChunks(prepared, prepared.days, {
    maxEvents: ledger.chunkEvents ?? DEFAULT_MAX_CHUNK_EVENTS,
  });
  const found = all.filter((plan) => wanted.has(plan.chunkId));
  if (found.length !== wanted.size) {
    throw new StoredItemError(
      `${wanted.size - found.length} planned chunk(s) of dump ${ledger.dumpId} are not in its bytes any more`,
    );
  }
  return found;
}
