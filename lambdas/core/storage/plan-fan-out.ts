import type { DecodedDump } from '../dump/types';
import { buildChunkMessage, chunkMessageBody, planChunks } from './chunks';
import { startProcessing, type LedgerDeps, type LedgerEntry, type StartProcessingResult } from './ledger';
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
 * Shared by the parser Lambda and the in-process path, so both follow one order.
 */
export async function planFanOut(
  deps: LedgerDeps,
  ledger: LedgerEntry,
  dump: DecodedDump,
  options: { readonly maxChunkEvents?: number } = {},
): Promise<FanOutPlan> {
  const prepared = prepareDump(dump, { now: ledger.now });
  const settled = await settleWholeDays(
    { client: deps.client, tableName: deps.tableName, ...(deps.meter ? { meter: deps.meter } : {}) },
    prepared,
  );
  const plans = planChunks(prepared, settled.remainingDays, { maxEvents: options.maxChunkEvents });
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
    chunkIds: plans.map((plan) => plan.chunkId),
  });
  const pending =
    started.kind === 'started'
      ? plans
      : plans.filter((plan) => started.pendingChunkIds.includes(plan.chunkId));
  const messages = pending.map((plan) => ({
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
