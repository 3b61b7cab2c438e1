import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DumpflowError } from '../core/errors';

/** SQS's limits for one SendMessageBatch call. */
const MAX_ENTRIES_PER_BATCH = 10;
const MAX_BATCH_BYTES = 256 * 1024;

export class FanOutError extends DumpflowError {
  constructor(failed: number, attempts: number, reason: string) {
    super(
      'E_FANOUT',
      `${failed} chunk message(s) could not be queued after ${attempts} attempt${attempts === 1 ? '' : 's'} (${reason}); the dump will be retried from its notification`,
    );
  }
}

export interface OutgoingMessage {
  /** Unique within one send; SQS echoes it back for failed entries. */
  readonly id: string;
  readonly body: string;
}

export interface SendOptions {
  readonly maxAttempts?: number;
  readonly concurrency?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** Packs messages into SendMessageBatch calls that respect both the 10-entry and the 256 KiB limits. */
export function packBatches(messages: readonly OutgoingMessage[]): OutgoingMessage[][] {
  const batches: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.body);
    if (size > MAX_BATCH_BYTES)
      throw new DumpflowError('E_MESSAGE_SIZE', `message ${message.id} is ${size} bytes, over SQS's 256 KiB`);
    if (current.length === MAX_ENTRIES_PER_BATCH || bytes + size > MAX_BATCH_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function isCallerFault(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { $fault, name } = error as { $fault?: unknown; name?: unknown };
  return $fault === 'client' && !/throttl/i.test(String(name));
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends every message or throws: entries SQS reports as failed are re-sent with capped, fully
 * jittered backoff. Re-sending is safe because the worker's chunk commit is idempotent.
 */
export async function sendAll(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly OutgoingMessage[],
  options: SendOptions = {},
): Promise<{ requests: number }> {
  const maxAttempts = options.maxAttempts ?? 8;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  let requests = 0;

  const sendBatch = async (batch: OutgoingMessage[]): Promise<void> => {
    let pending = batch;
    let lastReason = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const entries: SendMessageBatchRequestEntry[] = pending.map((m) => ({ Id: m.id, MessageBody: m.body }));
      requests++;
      try {
        const response = await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
        );
        const failedIds = new Set((response.Failed ?? []).map((f) => f.Id));
        const senderFault = (response.Failed ?? []).find((f) => f.SenderFault);
        if (senderFault) {
          throw new DumpflowError(
            'E_FANOUT',
            `SQS refused chunk message ${senderFault.Id}: ${senderFault.Message ?? senderFault.Code}`,
          );
        }
        pending = pending.filter((m) => failedIds.has(m.id));
        if (pending.length === 0) return;
        lastReason = 'SQS reported failed entries';
      } catch (error) {
        if (error instanceof DumpflowError) throw error;
        lastReason = error instanceof Error ? error.message : String(error);
        // The SDK has already retried what is retryable (throttling, 5xx, network). A request SQS
        // refuses as the caller's fault (no such queue, access denied, KMS key disabled) fails
        // the same way every time: waiting through more attempts only delays the DLQ.
        if (isCallerFault(error)) throw new FanOutError(pending.length, attempt, lastReason);
      }
      if (attempt < maxAttempts) await sleep(random() * Math.min(5_000, 50 * 2 ** attempt));
    }
    throw new FanOutError(pending.length, maxAttempts, lastReason);
  };

  const batches = packBatches(messages);
  const concurrency = Math.max(1, options.concurrency ?? 8);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, batches.length) }, async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      if (batch) await sendBatch(batch);
    }
  });
  await Promise.all(lanes);
  return { requests };
}
