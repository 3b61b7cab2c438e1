import { PIPELINE_SETTINGS } from '../../shared/pipeline-settings';
import type { DecodedDump } from '../dump/types';
import { startProcessing, type LedgerEntry, type ProgressDeps, type StartProcessingResult } from '../ledger';
import { encodeChunkMessage } from './chunk-message';
import {
  buildChunkMessage,
  chunkMessageBody,
  DEFAULT_MAX_CHUNK_EVENTS,
  planChunks,
  type ChunkContext,
  type ChunkPlan,
} from './chunks';
import { DENSE_DAY_PARTS, encodeDayMessage, encodeStagedDay, stagedDayKey } from './day-message';
import { StoredItemError } from './errors';
import { chunkId, dayToken } from './keys';
import { prepareDump, type PreparedDump } from './prepare';
import { settleWholeDays } from './settle';

export interface FanOutPlan {
  readonly prepared: PreparedDump;
  readonly settledDays: number;
  readonly started: StartProcessingResult;
  /**
   * The messages still to send: a chunk message per chunk (all of them, or on a re-drive only
   * those not yet committed), except that a dense day's go as one DayMessage.
   */
  readonly messages: readonly { readonly chunkId: string; readonly body: string }[];
  /** The dense days' staged objects: put every one before sending any message that names it. */
  readonly staged: readonly StagedDay[];
}

export interface StagedDay {
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer;
}

export interface FanOutOptions {
  readonly maxChunkEvents?: number;
  /** Where dense days are staged: the dump's bucket and this prefix. @default 'staging/' */
  readonly stagingPrefix?: string;
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
  options: FanOutOptions = {},
): Promise<FanOutPlan> {
  const prepared = prepareDump(dump, { now: ledger.now });
  const settled = await settleWholeDays(
    { dynamodb: deps.dynamodb, tableName: deps.tableName, ...(deps.meter ? { meter: deps.meter } : {}) },
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
  const maxEvents =
    started.kind === 'started' ? chunkEvents : (started.ledger.chunkEvents ?? DEFAULT_MAX_CHUNK_EVENTS);
  const context = {
    dumpId: ledger.dumpId,
    uploadedAt: ledger.uploadedAt,
    emptyDays: settled.emptyDays,
    maxEvents,
  };
  const staging = { bucket: ledger.bucket, prefix: options.stagingPrefix ?? DEFAULT_STAGING_PREFIX };
  return {
    prepared,
    settledDays: settled.settledDays.length,
    started,
    ...fanOutMessages(prepared, toSend, context, staging),
  };
}

export const DEFAULT_STAGING_PREFIX = PIPELINE_SETTINGS.stagingPrefix;

/**
 * One message per chunk, except for a dense day (more than DENSE_DAY_PARTS parts in the plan): its
 * pending parts are staged in one object and go as one DayMessage (day-message.ts). A staged
 * part is not bound by SQS's message size, so it is not checked against it.
 */
function fanOutMessages(
  prepared: PreparedDump,
  plans: readonly ChunkPlan[],
  context: ChunkContext,
  staging: { readonly bucket: string; readonly prefix: string },
): Pick<FanOutPlan, 'messages' | 'staged'> {
  const byDay = new Map<number, ChunkPlan[]>();
  for (const plan of plans) {
    const day = byDay.get(plan.day.dayNumber);
    if (day) day.push(plan);
    else byDay.set(plan.day.dayNumber, [plan]);
  }
  const messages: { chunkId: string; body: string }[] = [];
  const staged: StagedDay[] = [];
  for (const [dayNumber, dayPlans] of byDay) {
    const planned = planChunks(prepared, [dayPlans[0]!.day], { maxEvents: context.maxEvents });
    if (planned.length <= DENSE_DAY_PARTS) {
      for (const plan of dayPlans) {
        messages.push({
          chunkId: plan.chunkId,
          body: chunkMessageBody(buildChunkMessage(prepared, plan, context)),
        });
      }
      continue;
    }
    const key = stagedDayKey(staging.prefix, context.dumpId, dayNumber);
    staged.push({
      bucket: staging.bucket,
      key,
      // Every part of the day, not only the pending ones: the same bytes stage the same object, so
      // a re-drive overwriting it cannot pull a part from under a worker still reading the first.
      body: encodeStagedDay(
        planned.map((plan) => encodeChunkMessage(buildChunkMessage(prepared, plan, context))),
      ),
    });
    messages.push({
      chunkId: `${dayToken(dayNumber)}-day`,
      body: encodeDayMessage({
        dumpId: context.dumpId,
        dayNumber,
        parts: dayPlans.map((plan) => plan.part),
        staged: { bucket: staging.bucket, key },
      }),
    });
  }
  return { messages, staged };
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
