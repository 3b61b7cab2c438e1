import { DEFAULT_DAY_LEASE_MS } from '../../shared/pipeline-settings';
import { randomUUID } from 'node:crypto';
import { GetItemCommand, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { CapacityMeter, type CapacityTotals } from './capacity';
import type { ChunkMessage } from './chunk-message';
import { outcomeFromItem, outcomeItem, outcomeKey } from './chunk-outcome';
import { classifyChunk, type ChunkOutcome } from './classify';
import { commitTransaction } from './commit';
import { conditionalWrite, isTransactionCanceled } from './conditions';
import { CommitContentionError, DayPagesMissingError, StoredItemError } from './errors';
import { daySeed } from './hash';
import { toAttributes } from './items';
import { dayPk, daySk, isPastRetention, summaryPk } from './keys';
import { markChunkDone, type DumpCompletion, type WatchSettings } from '../ledger';
import { acquireDayLease, acquireDayLeaseIf, releaseDayLease, type DayLeaseDeps } from './lease';
import { KnownDay } from './known-day';
import { readPages } from './pages';
import { backoffDelay, defaultTiming, type RetryTiming } from './retry';
import { daySummaryFromItem, emptyDaySummary } from './summary';
import type { TableAccess } from './table-access';

export type { ChunkOutcome } from './classify';
export { KnownDay } from './known-day';

export interface WriteChunkDeps extends TableAccess {
  /** SALT_BUCKETS: partitions a new device-day's event pages are spread over. @default 10 */
  readonly saltBuckets?: number;
  /** Wall clock (ms) for leases and completion time; not the pinned processing time. @default Date.now */
  readonly clock?: () => number;
  readonly timing?: RetryTiming;
  /** Accumulates this chunk's capacity; a fresh one per call when omitted. */
  /** Device-day lease (DAY_LEASE_MS). @default DEFAULT_DAY_LEASE_MS */
  readonly dayLeaseMs?: number;
  /** How long to wait for a busy device-day before handing the chunk back to the queue. @default 20000 */
  readonly dayLeaseWaitMs?: number;
  /** Commit attempts (optimistic retries) before handing the chunk back to the queue. @default 8 */
  readonly maxCommitAttempts?: number;
  /** The KPI grace a dump this chunk completes gets in the watch index. @default DEFAULT_WATCH */
  readonly watch?: Pick<WatchSettings, 'kpiGraceMs'>;
  /**
   * What this writer already knows of the chunk's device-day, carried from one part of a dense day
   * to the next (dense-day.ts), so it reads only what others committed in between. @default new
   */
  readonly knownDay?: KnownDay;
}

export interface WriteChunkResult {
  readonly dumpId: string;
  readonly chunkId: string;
  /** True when an earlier delivery had committed the chunk (nothing written this time). */
  readonly alreadyCommitted: boolean;
  /** True when the empty-day hint held: the chunk was committed without a read. */
  readonly fastPath: boolean;
  readonly outcome: ChunkOutcome;
  readonly commitAttempts: number;
  readonly capacity: CapacityTotals;
  /** Set for the one call that completed the dump (emit the latency metric from it). */
  readonly completion?: DumpCompletion;
}

/** Commits cancelled only by a transaction conflict, retried under the lease before giving up. */
const MAX_COMMIT_CONFLICTS = 20;

/**
 * Dedupes and stores one chunk, exactly once however often it is delivered:
 *
 * 0. Fast path, when the parser hinted the day was empty (message.dayWasEmpty): take the
 *    device-day lease in one transaction with a ConditionCheck that the day summary still does not
 *    exist (acquireDayLeaseIf). Then nothing was ever committed on the day and nothing can be until
 *    the lease is released (a commit needs it), so the day is empty with no read at all: go to 3.
 *    If the summary exists (stale hint, another part of the day, or this chunk committed by an
 *    earlier delivery), take the normal path from 1.
 * 1. A chunk outcome item (pk = dump, sk CHUNK#id) exists -> committed before: only mark it done.
 * 2. Read the day summary (consistent) and the event pages it counts (pages.readPages; a retry
 *    reads only pages it has not seen).
 * 3. Classify every variant against the stored events (classify.ts).
 * 4. Nothing new -> put the outcome (attribute_not_exists) and finish. Otherwise take the
 *    device-day lease (lease.ts) and read 2 again under it (the summary, and pages only if it
 *    moved); the outcome is not re-read: the commit's attribute_not_exists on it catches a
 *    concurrent delivery of this chunk.
 * 5. One TransactWriteItems (commit.ts): outcome, the new events' pages, the summary (version
 *    guarded) and the lease release. Nothing is written outside it, so a crash at any point before
 *    it leaves nothing behind, and a writer that lost its lease cannot write at all.
 * 6. Mark the chunk done in the ledger; the call that completes the dump returns the completion.
 */
export async function writeChunk(deps: WriteChunkDeps, message: ChunkMessage): Promise<WriteChunkResult> {
  const meter = deps.meter ?? new CapacityMeter();
  const before = meter.snapshot();
  const clock = deps.clock ?? Date.now;
  const timing = deps.timing ?? defaultTiming;
  const saltBuckets = deps.saltBuckets ?? 10;
  const maxCommitAttempts = deps.maxCommitAttempts ?? 8;
  const { dynamodb, tableName } = deps;
  const { patientId, deviceId, dayNumber } = message;
  const seed = daySeed(patientId, deviceId, dayNumber);
  const lease = { pk: dayPk(dayNumber, patientId, deviceId), token: `${message.chunkId}:${randomUUID()}` };
  const leaseDeps: DayLeaseDeps = { dynamodb, tableName, clock, timing, meter };
  // Errors name the chunk (day and part), never the patient: they end up in logs and DLQ records.
  const day = `of chunk ${message.chunkId}`;
  const summaryKey = toAttributes({ pk: summaryPk(patientId, deviceId), sk: daySk(dayNumber) });
  const known = deps.knownDay ?? new KnownDay(emptyDaySummary(patientId, deviceId, dayNumber));

  const readOutcome = async (): Promise<ChunkOutcome | undefined> => {
    const response = await dynamodb.send(
      new GetItemCommand({
        TableName: tableName,
        Key: outcomeKey(message),
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meter.record('read', response.ConsumedCapacity);
    return response.Item ? outcomeFromItem(response.Item) : undefined;
  };

  const readDay = async (): Promise<void> => {
    const response = await dynamodb.send(
      new GetItemCommand({
        TableName: tableName,
        Key: summaryKey,
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meter.record('read', response.ConsumedCapacity);
    const summary = response.Item
      ? daySummaryFromItem(response.Item)
      : emptyDaySummary(patientId, deviceId, dayNumber);
    try {
      await known.catchUp(summary, (s, from) => readPages({ dynamodb, tableName, meter }, s, from));
    } catch (error) {
      // Past its retention TTL deletes the day's items in any order: what is left is no longer stored.
      if (!(error instanceof DayPagesMissingError) || !isPastRetention(dayNumber, clock())) throw error;
      known.expire(summary);
      return;
    }
    if (known.events().length !== summary.inputs.events) {
      throw new StoredItemError(
        `the event pages ${day} hold ${known.events().length} events and the day summary counts ${summary.inputs.events}`,
      );
    }
  };

  let leaseHeld = false;
  let outcome: ChunkOutcome | undefined;
  let alreadyCommitted = false;
  let attempts = 0;
  let conflicts = 0;
  let fastPath = false;
  // Tried once per call: after a fallback or a cancelled commit the normal path re-reads.
  let tryFastPath = message.dayWasEmpty === true;
  let onFastPath = false;
  const leaseOptions = {
    leaseMs: deps.dayLeaseMs ?? DEFAULT_DAY_LEASE_MS,
    waitMs: deps.dayLeaseWaitMs ?? 20_000,
  };

  try {
    for (;;) {
      if (tryFastPath) {
        tryFastPath = false;
        const taken = await acquireDayLeaseIf(leaseDeps, lease.pk, lease.token, day, leaseOptions, {
          TableName: tableName,
          Key: summaryKey,
          ConditionExpression: 'attribute_not_exists(pk)',
        });
        if (taken === 'condition-failed') continue;
        leaseHeld = true;
        onFastPath = true;
      } else {
        // Under the lease the commit's condition on the outcome item does this check.
        if (!leaseHeld) {
          const existing = await readOutcome();
          if (existing) {
            outcome = existing;
            alreadyCommitted = true;
            break;
          }
        }
        await readDay();
      }
      const classified = classifyChunk(message.events, known.events(), seed);

      if (classified.fresh.length === 0) {
        const put = await conditionalWrite(meter, () =>
          dynamodb.send(
            new PutItemCommand({
              TableName: tableName,
              Item: outcomeItem(message, classified.outcome, clock()),
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnConsumedCapacity: 'TOTAL',
            }),
          ),
        );
        if (put.written) {
          outcome = classified.outcome;
        } else if (put.conflict && ++conflicts <= MAX_COMMIT_CONFLICTS) {
          // Another delivery of this chunk is committing it right now: look again once it is done.
          await timing.sleep(backoffDelay(conflicts - 1, 25, 1000, timing.random));
          continue;
        } else if (!put.conditionFailed) {
          throw put.error;
        } else {
          outcome = await readOutcome();
          alreadyCommitted = true;
        }
        break;
      }

      if (!leaseHeld) {
        await acquireDayLease(leaseDeps, lease.pk, lease.token, day, leaseOptions);
        leaseHeld = true;
        // Someone may have committed between our read and the lease: classify again under it.
        continue;
      }

      attempts++;
      const { items, next } = commitTransaction(tableName, message, known.base, classified, lease, {
        saltBuckets,
        now: clock(),
      });
      const commit = await conditionalWrite(meter, () =>
        dynamodb.send(
          new TransactWriteItemsCommand({ TransactItems: items, ReturnConsumedCapacity: 'TOTAL' }),
        ),
      );
      if (commit.written) {
        leaseHeld = false;
        outcome = classified.outcome;
        fastPath = onFastPath;
        known.committed(next, classified.fresh);
        break;
      }
      if (!isTransactionCanceled(commit.error)) throw commit.error;
      if (!commit.conditionFailed && commit.conflict) {
        // Only met another request on one of its items (a waiter polling the lease, most
        // often): nothing was decided and the lease is still ours. Try again, keeping it.
        attempts--;
        if (++conflicts > MAX_COMMIT_CONFLICTS) throw new CommitContentionError(day, conflicts, commit.error);
        await timing.sleep(backoffDelay(conflicts - 1, 25, 1000, timing.random));
        continue;
      }
      // Already committed (outcome exists), lease lost, or a concurrent commit: re-read and retry.
      if (attempts >= maxCommitAttempts) throw new CommitContentionError(day, attempts, commit.error);
      await releaseDayLease(leaseDeps, lease.pk, lease.token);
      leaseHeld = false;
      onFastPath = false;
      await timing.sleep(backoffDelay(attempts - 1, 50, 1000, timing.random));
    }
  } finally {
    if (leaseHeld) await releaseDayLease(leaseDeps, lease.pk, lease.token).catch(() => undefined);
  }

  const completion = await markChunkDone(
    { dynamodb, tableName, clock, meter, ...(deps.watch ? { watch: deps.watch } : {}) },
    message.dumpId,
    message.chunkId,
  );
  return {
    dumpId: message.dumpId,
    chunkId: message.chunkId,
    alreadyCommitted,
    fastPath,
    outcome: outcome ?? { records: 0, stored: 0, duplicates: 0, conflicts: 0 },
    commitAttempts: attempts,
    capacity: meter.since(before),
    ...(completion ? { completion } : {}),
  };
}
