import { randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { batchWriteAll, type BatchWriterOptions } from './batch-writer';
import { CapacityMeter, type CapacityTotals } from './capacity';
import type { ChunkMessage } from './chunk-message';
import { allocateDigestEntries, decodeDigestPage, DigestIndex, encodeDigestPage } from './digest';
import { CommitContentionError } from './errors';
import { eventItem } from './event-item';
import { addHash } from './fingerprint';
import { contentHashOf, daySeed, eventHash, type Hash128 } from './hash';
import { chunkSk, dayLabel, dayTtl, daySk, digestPageSk, digestPk, summaryPk } from './keys';
import { markChunkDone, type DumpCompletion } from './ledger';
import {
  acquireDayLock,
  acquireDayLockIf,
  releaseDayLock,
  releaseDayLockItem,
  type DayLockDeps,
} from './lock';
import { backoffDelay, defaultTiming, type RetryTiming } from './retry';
import {
  addEventToKpiInputs,
  daySummaryFromItem,
  daySummaryItem,
  emptyDaySummary,
  type DaySummary,
} from './summary';

export interface WriteChunkDeps {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** SALT_BUCKETS: event partitions per device-day. @default 10 */
  readonly saltBuckets?: number;
  /** Wall clock (ms) for leases and completion time; not the pinned processing time. @default Date.now */
  readonly clock?: () => number;
  readonly timing?: RetryTiming;
  /** Accumulates this chunk's capacity; a fresh one per call when omitted. */
  readonly meter?: CapacityMeter;
  readonly batch?: Omit<BatchWriterOptions, 'meter' | 'timing'>;
  /** Device-day lease; must exceed the worker's time limit. @default 120000 */
  readonly lockLeaseMs?: number;
  /** How long to wait for a busy device-day before handing the chunk back to the queue. @default 20000 */
  readonly lockWaitMs?: number;
  /** Commit attempts (optimistic retries) before handing the chunk back to the queue. @default 8 */
  readonly maxCommitAttempts?: number;
}

export interface ChunkOutcome {
  /** Records the chunk stands for (every copy). */
  readonly records: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly conflicts: number;
}

export interface WriteChunkResult {
  readonly dumpId: string;
  readonly chunkId: string;
  /** True when an earlier delivery had committed the chunk (nothing written this time). */
  readonly alreadyCommitted: boolean;
  /** True when the empty-day hint held: the chunk was written and committed without a read. */
  readonly fastPath: boolean;
  readonly outcome: ChunkOutcome;
  readonly commitAttempts: number;
  readonly capacity: CapacityTotals;
  /** Set for the one call that completed the dump (emit the latency metric from it). */
  readonly completion?: DumpCompletion;
}

interface Classified {
  readonly outcome: ChunkOutcome;
  /** Chunk event indices to store (first copy of each new identity). */
  readonly fresh: number[];
  /** Their 128-bit hashes, 4 limbs each. */
  readonly freshHashes: Uint32Array;
}

/**
 * Classifies a chunk against what the device-day holds: per identity (its variants are adjacent),
 * new when the digest lacks it (the first variant is stored, later variants are duplicates and
 * conflicts), else every copy is a duplicate and copies whose content hash differs from the
 * stored one are conflicts.
 */
function classify(message: ChunkMessage, digest: DigestIndex, seed: number): Classified {
  const e = message.events;
  const fresh: number[] = [];
  const hashes: number[] = [];
  const hash: Hash128 = [0, 0, 0, 0];
  let records = 0;
  let duplicates = 0;
  let conflicts = 0;
  let k = 0;
  while (k < e.length) {
    let end = k + 1;
    while (
      end < e.length &&
      e.msOfDay[end] === e.msOfDay[k] &&
      e.seq[end] === e.seq[k] &&
      e.type[end] === e.type[k]
    ) {
      end++;
    }
    const storedHash = digest.get(e.msOfDay[k]!, e.seq[k]!, e.type[k]!);
    for (let j = k; j < end; j++) {
      const copies = e.copies[j]!;
      records += copies;
      if (storedHash === undefined) {
        if (j === k) {
          eventHash(
            e.msOfDay[j]!,
            e.seq[j]!,
            e.type[j]!,
            e.flags[j]!,
            e.value[j]!,
            e.duration[j]!,
            seed,
            hash,
          );
          fresh.push(j);
          hashes.push(...hash);
          duplicates += copies - 1;
        } else {
          // Variants of one identity have distinct content, so every later one conflicts with the first.
          duplicates += copies;
          conflicts += copies;
        }
      } else {
        eventHash(e.msOfDay[j]!, e.seq[j]!, e.type[j]!, e.flags[j]!, e.value[j]!, e.duration[j]!, seed, hash);
        duplicates += copies;
        if (contentHashOf(hash) !== storedHash) conflicts += copies;
      }
    }
    k = end;
  }
  return {
    outcome: { records, stored: fresh.length, duplicates, conflicts },
    fresh,
    freshHashes: Uint32Array.from(hashes),
  };
}

function isTransactionCanceled(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'TransactionCanceledException';
}

function outcomeItem(
  message: ChunkMessage,
  outcome: ChunkOutcome,
  now: number,
): Record<string, AttributeValue> {
  return {
    pk: { S: message.dumpId },
    sk: { S: chunkSk(message.chunkId) },
    day: { S: dayLabel(message.dayNumber) },
    records: { N: String(outcome.records) },
    stored: { N: String(outcome.stored) },
    duplicates: { N: String(outcome.duplicates) },
    conflicts: { N: String(outcome.conflicts) },
    committedAt: { N: String(now) },
    ttl: { N: String(dayTtl(Math.floor(now / 86_400_000))) },
  };
}

function outcomeFromItem(item: Record<string, AttributeValue>): ChunkOutcome {
  return {
    records: Number(item['records']?.N ?? 0),
    stored: Number(item['stored']?.N ?? 0),
    duplicates: Number(item['duplicates']?.N ?? 0),
    conflicts: Number(item['conflicts']?.N ?? 0),
  };
}

/**
 * Dedupes and writes one chunk, exactly once however often it is delivered:
 *
 * 0. Fast path, when the parser hinted the day was empty (message.dayWasEmpty): take the
 *    device-day lease in one transaction with a ConditionCheck that the day summary still does not
 *    exist (acquireDayLockIf). If it succeeds, nothing was ever committed on the day and nothing can
 *    be until we release the lease (a commit needs it), so the summary is version 0 and the digest
 *    empty with no read at all: go to 3. If the summary exists (stale hint, another part of the
 *    day, or this chunk committed by an earlier delivery), take the normal path from 1.
 * 1. A chunk outcome item (pk = dump, sk CHUNK#id) exists -> committed before: only mark it done.
 * 2. Read the day summary (version v) and the digest pages up to v (consistent reads; pages are
 *    append-only, so retries read only the new ones).
 * 3. Classify every variant (new / duplicate / conflict; see classify).
 * 4. Nothing new -> put the outcome (attribute_not_exists) and finish. Otherwise take the
 *    device-day lease (lock.ts) and re-read 2 under it (only the summary, plus digest pages if it
 *    moved); the outcome is not re-read: the commit's attribute_not_exists on it catches a
 *    concurrent delivery of this chunk.
 * 5. BatchWriteItem the new events, THEN one TransactWriteItems: outcome (attribute_not_exists),
 *    a digest page with the new identities, the summary (version = v -> v+1, count, fingerprint
 *    and KPI inputs extended) and the lease release. A crash between 5's two steps leaves event
 *    items the digest does not list; the retry finds them new again and rewrites them with the
 *    same content (harmless), so nothing is lost or counted twice.
 * 6. Mark the chunk done in the ledger; the call that completes the dump returns the completion.
 */
export async function writeChunk(deps: WriteChunkDeps, message: ChunkMessage): Promise<WriteChunkResult> {
  const meter = deps.meter ?? new CapacityMeter();
  const before = meter.snapshot();
  const clock = deps.clock ?? Date.now;
  const timing = deps.timing ?? defaultTiming;
  const saltBuckets = deps.saltBuckets ?? 10;
  const maxCommitAttempts = deps.maxCommitAttempts ?? 8;
  const { client, tableName } = deps;
  const { patientId, deviceId, dayNumber } = message;
  const seed = daySeed(patientId, deviceId, dayNumber);
  const lockPk = digestPk(dayNumber, patientId, deviceId);
  const lockDeps: DayLockDeps = { client, tableName, clock, timing, meter };
  const lockToken = `${message.chunkId}:${randomUUID()}`;
  // Errors name the chunk (day and part), never the patient: they end up in logs and DLQ records.
  const day = `of chunk ${message.chunkId}`;

  const digest = new DigestIndex();
  let digestVersion = 0;
  let lockHeld = false;
  let outcome: ChunkOutcome | undefined;
  let alreadyCommitted = false;
  let attempts = 0;
  let fastPath = false;

  const readOutcome = async (): Promise<ChunkOutcome | undefined> => {
    const response = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: message.dumpId }, sk: { S: chunkSk(message.chunkId) } },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meter.record('read', response.ConsumedCapacity);
    return response.Item ? outcomeFromItem(response.Item) : undefined;
  };

  const readSummary = async (): Promise<DaySummary> => {
    const response = await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: summaryPk(patientId, deviceId) }, sk: { S: daySk(dayNumber) } },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meter.record('read', response.ConsumedCapacity);
    return response.Item
      ? daySummaryFromItem(response.Item)
      : emptyDaySummary(patientId, deviceId, dayNumber);
  };

  const catchUpDigest = async (version: number): Promise<void> => {
    if (version <= digestVersion) return;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': { S: lockPk },
            ':from': { S: digestPageSk(digestVersion + 1) },
            ':to': { S: digestPageSk(version) },
          },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      meter.record('read', page.ConsumedCapacity);
      for (const item of page.Items ?? []) {
        const bytes = item['d']?.B;
        if (bytes) digest.addPage(decodeDigestPage(bytes));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    digestVersion = version;
  };

  const leaseOptions = { leaseMs: deps.lockLeaseMs ?? 120_000, waitMs: deps.lockWaitMs ?? 20_000 };
  // Tried once per call: after a fallback or a cancelled commit the normal path re-reads.
  let tryFastPath = message.dayWasEmpty === true;
  let onFastPath = false;

  try {
    for (;;) {
      let summary: DaySummary;
      if (tryFastPath) {
        tryFastPath = false;
        const taken = await acquireDayLockIf(lockDeps, lockPk, lockToken, day, leaseOptions, {
          TableName: tableName,
          Key: { pk: { S: summaryPk(patientId, deviceId) }, sk: { S: daySk(dayNumber) } },
          ConditionExpression: 'attribute_not_exists(pk)',
        });
        if (taken === 'condition-failed') continue;
        lockHeld = true;
        onFastPath = true;
        summary = emptyDaySummary(patientId, deviceId, dayNumber);
      } else {
        // Under the lease the commit's condition on the outcome item does this check.
        if (!lockHeld) {
          const existing = await readOutcome();
          if (existing) {
            outcome = existing;
            alreadyCommitted = true;
            break;
          }
        }
        summary = await readSummary();
        await catchUpDigest(summary.version);
      }
      const classified = classify(message, digest, seed);

      if (classified.fresh.length === 0) {
        try {
          const response = await client.send(
            new PutItemCommand({
              TableName: tableName,
              Item: outcomeItem(message, classified.outcome, clock()),
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnConsumedCapacity: 'TOTAL',
            }),
          );
          meter.record('write', response.ConsumedCapacity);
          outcome = classified.outcome;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          meter.record('write', undefined);
          outcome = await readOutcome();
          alreadyCommitted = true;
        }
        break;
      }

      if (!lockHeld) {
        await acquireDayLock(lockDeps, lockPk, lockToken, day, leaseOptions);
        lockHeld = true;
        // Someone may have committed between our read and the lease: classify again under it.
        continue;
      }

      attempts++;
      const items = classified.fresh.map((k) =>
        eventItem(patientId, deviceId, dayNumber, seed, saltBuckets, message.events, k),
      );
      await batchWriteAll(client, tableName, items, { ...deps.batch, meter, timing });

      const next = { ...summary, inputs: { ...summary.inputs }, fingerprint: summary.fingerprint.slice() };
      const page = allocateDigestEntries(classified.fresh.length);
      classified.fresh.forEach((k, slot) => {
        const e = message.events;
        page.msOfDay[slot] = e.msOfDay[k]!;
        page.seq[slot] = e.seq[k]!;
        page.type[slot] = e.type[k]!;
        page.contentHash[slot] = classified.freshHashes[slot * 4]!;
        addHash(next.fingerprint, classified.freshHashes.subarray(slot * 4, slot * 4 + 4));
        addEventToKpiInputs(next.inputs, e.type[k]!, e.value[k]!, e.duration[k]!);
      });
      const nextSummary: DaySummary = { ...next, version: summary.version + 1 };
      const transactItems: TransactWriteItem[] = [
        {
          Put: {
            TableName: tableName,
            Item: outcomeItem(message, classified.outcome, clock()),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: {
              pk: { S: lockPk },
              sk: { S: digestPageSk(nextSummary.version) },
              d: { B: encodeDigestPage(page) },
              n: { N: String(page.length) },
              chunk: { S: message.chunkId },
              ttl: { N: String(dayTtl(dayNumber)) },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: tableName,
            Item: daySummaryItem(nextSummary),
            ...(summary.version === 0
              ? { ConditionExpression: 'attribute_not_exists(pk)' }
              : {
                  ConditionExpression: 'version = :v',
                  ExpressionAttributeValues: { ':v': { N: String(summary.version) } },
                }),
          },
        },
        releaseDayLockItem(tableName, lockPk, lockToken),
      ];
      try {
        const response = await client.send(
          new TransactWriteItemsCommand({ TransactItems: transactItems, ReturnConsumedCapacity: 'TOTAL' }),
        );
        meter.record('write', response.ConsumedCapacity);
        lockHeld = false;
        outcome = classified.outcome;
        fastPath = onFastPath;
        break;
      } catch (error) {
        if (!isTransactionCanceled(error)) throw error;
        meter.record('write', undefined);
        // Already committed (outcome exists), lease lost, or a concurrent commit: re-read and retry.
        if (attempts >= maxCommitAttempts) throw new CommitContentionError(day, attempts, error);
        await releaseDayLock(lockDeps, lockPk, lockToken);
        lockHeld = false;
        onFastPath = false;
        await timing.sleep(backoffDelay(attempts - 1, 50, 1000, timing.random));
      }
    }
  } finally {
    if (lockHeld) await releaseDayLock(lockDeps, lockPk, lockToken).catch(() => undefined);
  }

  const completion = await markChunkDone(
    { client, tableName, clock, meter },
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
