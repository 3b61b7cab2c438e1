import { BatchWriteItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DumpflowError } from '../lambdas/core/errors';
import type { CapacityMeter } from '../lambdas/core/storage/capacity';
import {
  backoffDelay,
  defaultTiming,
  isThrottlingError,
  type RetryTiming,
} from '../lambdas/core/storage/retry';

export type Item = Record<string, AttributeValue>;

/** Items stayed unprocessed or throttled through every retry; the message is retried by the queue. */
export class WriteRetriesExhaustedError extends DumpflowError {
  constructor(unprocessed: number, attempts: number, cause?: unknown) {
    super(
      'E_WRITE_RETRIES_EXHAUSTED',
      `${unprocessed} item(s) were still not written after ${attempts} attempts (DynamoDB throttled or left them unprocessed); nothing was dropped silently`,
      { cause },
    );
  }
}

export interface BatchWriterOptions {
  /** BatchWriteItem calls in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Calls per 25-item batch, counting the first, before giving up. @default 10 */
  readonly maxAttempts?: number;
  /** @default 50 */
  readonly baseDelayMs?: number;
  /** @default 2000 */
  readonly maxDelayMs?: number;
  readonly timing?: RetryTiming;
  readonly meter?: CapacityMeter;
}

/** BatchWriteItem's limit. */
export const BATCH_SIZE = 25;

/**
 * Puts every item or throws. UnprocessedItems and throttling errors are retried with capped
 * exponential backoff and full jitter, up to maxAttempts calls per batch; then it throws
 * WriteRetriesExhaustedError so the queue redelivers the work: an item is never dropped silently.
 * (The SDK retries throttling on its own too; both are bounded.) Puts are idempotent, so a
 * redelivery rewriting items is harmless.
 */
export async function batchWriteAll(
  client: DynamoDBClient,
  tableName: string,
  items: readonly Item[],
  options: BatchWriterOptions = {},
): Promise<{ readonly written: number }> {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const maxAttempts = Math.max(1, options.maxAttempts ?? 10);
  const baseDelayMs = options.baseDelayMs ?? 50;
  const maxDelayMs = options.maxDelayMs ?? 2000;
  const timing = options.timing ?? defaultTiming;

  const batches: Item[][] = [];
  for (let i = 0; i < items.length; i += BATCH_SIZE) batches.push(items.slice(i, i + BATCH_SIZE));

  const writeBatch = async (batch: Item[]): Promise<void> => {
    let pending = batch;
    let lastError: unknown;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) await timing.sleep(backoffDelay(attempt - 1, baseDelayMs, maxDelayMs, timing.random));
      try {
        const response = await client.send(
          new BatchWriteItemCommand({
            RequestItems: { [tableName]: pending.map((Item) => ({ PutRequest: { Item } })) },
            ReturnConsumedCapacity: 'TOTAL',
          }),
        );
        options.meter?.record('write', response.ConsumedCapacity);
        const unprocessed = response.UnprocessedItems?.[tableName] ?? [];
        pending = unprocessed.flatMap((request) =>
          request.PutRequest?.Item ? [request.PutRequest.Item] : [],
        );
        if (pending.length === 0) return;
      } catch (error) {
        if (!isThrottlingError(error)) throw error;
        options.meter?.record('write', undefined);
        lastError = error;
      }
    }
    throw new WriteRetriesExhaustedError(pending.length, maxAttempts, lastError);
  };

  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < batches.length) {
      const batch = batches[next++]!;
      try {
        await writeBatch(batch);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(concurrency, batches.length) }, () => worker()),
  );
  const rejection = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejection) throw rejection.reason;
  return { written: items.length };
}
