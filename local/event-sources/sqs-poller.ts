import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotIdleError } from '../errors';
import type { AsyncHandler } from '../lambda-context';
import { describeError, invokeBatch } from './invoke-batch';
import { regionOfArn, toSqsRecord, type SqsSource } from './sqs-record';

export interface SqsPollerOptions {
  /** A client pointed at the queue's endpoint (give it an explicit `endpoint`). */
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly handler: AsyncHandler<SQSEvent, SQSBatchResponse | void>;
  readonly functionName: string;
  /** @default 10 */
  readonly batchSize?: number;
  /** MaximumBatchingWindowInSeconds, in ms. 0 sends whatever one receive returns. @default 0 */
  readonly maxBatchingWindowMs?: number;
  /** Invocations in flight at most, like the mapping's ScalingConfig.MaximumConcurrency. @default 2 */
  readonly concurrency?: number;
  /** FunctionResponseTypes: ['ReportBatchItemFailures']. When off, a partial response is ignored. @default true */
  readonly reportBatchItemFailures?: boolean;
  /**
   * Local speed-up, not Lambda behaviour: when set, failed messages are made visible again after
   * this many seconds instead of after the queue's whole visibility timeout.
   * @default undefined (the queue's visibility timeout applies, as on Lambda)
   */
  readonly retryAfterSeconds?: number;
  /**
   * Long-poll wait per receive; stop() takes up to this long to return. 0 short-polls every
   * idlePollMs instead (tests use it so that stop() is immediate).
   * @default 1
   */
  readonly waitTimeSeconds?: number;
  /** Pause after an empty short poll (waitTimeSeconds 0). @default 50 */
  readonly idlePollMs?: number;
  /** Function timeout reported by the context. @default 30000 */
  readonly functionTimeoutMs?: number;
  /** Where handler errors and polling problems are reported. @default one line on stderr */
  readonly log?: (line: string) => void;
  /**
   * Fault injection (`--faults redeliver=K`): a message is processed successfully this many times
   * before it is deleted; until then a success puts it straight back in the queue, as SQS's
   * at-least-once delivery may. Every extra delivery counts toward the queue's maxReceiveCount.
   * @default 1
   */
  readonly deliveriesPerMessage?: number;
  /**
   * Fault injection (`--faults s3-duplicate`): a batch of messages none of which was received
   * before goes to this many invocations at the same instant (each in an environment of its own),
   * as two copies of one S3 notification reach two parser instances at once. A record counts as
   * failed when any of its invocations failed it. @default 1
   */
  readonly simultaneousFirstDeliveries?: number;
}

export interface SqsPollerCounters {
  /** Handler invocations, successful or not. */
  readonly invocations: number;
  /** Records handed to the handler (a retried record counts each time). */
  readonly records: number;
  /** Records processed and deleted from the queue. */
  readonly succeeded: number;
  /** Record deliveries that failed and went back to the queue. */
  readonly failed: number;
  /** Failed records that had reached maxReceiveCount: the queue's redrive policy moves them to the DLQ. */
  readonly movedToDlq: number;
  /** Invocations whose handler threw (every record of the batch failed). */
  readonly handlerErrors: number;
  /** Processed messages put back in the queue for another delivery (deliveriesPerMessage). */
  readonly redelivered: number;
  /** Extra invocations given the same first delivery at the same instant (simultaneousFirstDeliveries). */
  readonly simultaneous: number;
}

export interface SqsPoller {
  start(): Promise<void>;
  /** Stops receiving, waits for in-flight invocations, returns un-started messages to the queue. */
  stop(): Promise<void>;
  /** True when the queue holds no visible, in-flight or delayed message and no invocation runs. */
  isIdle(): Promise<boolean>;
  /** Resolves once isIdle() has held on two checks in a row; rejects after timeoutMs. */
  waitForIdle(options?: { timeoutMs?: number; intervalMs?: number }): Promise<void>;
  readonly counters: SqsPollerCounters;
  /** Largest number of invocations that ran at the same time. */
  readonly peakConcurrency: number;
}

/**
 * Emulates Lambda's SQS event source mapping: `concurrency` pollers each receive up to batchSize
 * messages (waiting up to the batching window to fill the batch), invoke the handler with an
 * SQSEvent and delete what succeeded. Failed messages stay in the queue and come back after the
 * visibility timeout; the queue's RedrivePolicy (which fauxqs applies on receive) moves a message
 * to its DLQ once it has been received maxReceiveCount times. (A little over 300 lines: receive,
 * invoke, partial batch response and delete are one loop that the fault kinds hook into.)
 */
export function createSqsPoller(options: SqsPollerOptions): SqsPoller {
  const batchSize = options.batchSize ?? 10;
  const windowMs = options.maxBatchingWindowMs ?? 0;
  const concurrency = options.concurrency ?? 2;
  const waitTimeSeconds = options.waitTimeSeconds ?? 1;
  const idlePollMs = options.idlePollMs ?? 50;
  const reportBatchItemFailures = options.reportBatchItemFailures ?? true;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError('batchSize must be a positive integer');
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError('concurrency must be a positive integer');
  }

  const { sqs, queueUrl } = options;
  const counters = {
    invocations: 0,
    records: 0,
    succeeded: 0,
    failed: 0,
    movedToDlq: 0,
    handlerErrors: 0,
    redelivered: 0,
    simultaneous: 0,
  };
  const simultaneous = options.simultaneousFirstDeliveries ?? 1;
  const deliveriesPerMessage = options.deliveriesPerMessage ?? 1;
  /** Successful deliveries so far of messages that are to be delivered again. */
  const deliveries = new Map<string, number>();
  let maxReceiveCount = Number.POSITIVE_INFINITY;
  let running = false;
  let stopping = new AbortController();
  let workers: Promise<void>[] = [];
  let busy = 0;
  let peakConcurrency = 0;

  /** A sleep that stop() cuts short. */
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);

  async function receive(max: number, waitSeconds: number): Promise<Message[]> {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return result.Messages ?? [];
  }

  /** Lambda fills a batch until batchSize, the batching window or (here) stop(), whichever comes first. */
  async function collectBatch(): Promise<Message[]> {
    const batch = await receive(batchSize, waitTimeSeconds);
    if (batch.length === 0) {
      if (waitTimeSeconds === 0) await pause(idlePollMs);
      return batch;
    }
    const deadline = Date.now() + windowMs;
    while (running && batch.length < batchSize && Date.now() < deadline) {
      const remainingMs = deadline - Date.now();
      const wait = Math.min(waitTimeSeconds, Math.floor(remainingMs / 1000));
      const more = await receive(batchSize - batch.length, wait);
      batch.push(...more);
      // A short poll that found nothing must not spin until the window closes.
      if (more.length === 0 && wait === 0) await pause(Math.min(remainingMs, idlePollMs));
    }
    return batch;
  }

  async function changeVisibility(records: readonly SQSRecord[], seconds: number): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: records.slice(i, i + 10).map((r, n) => ({
            Id: String(n),
            ReceiptHandle: r.receiptHandle,
            VisibilityTimeout: seconds,
          })),
        }),
      );
    }
  }

  async function deleteRecords(records: readonly SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      const result = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: records
            .slice(i, i + 10)
            .map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle })),
        }),
      );
      for (const failure of result.Failed ?? []) {
        log(
          `${options.functionName}: could not delete a processed message (${failure.Code}: ${failure.Message})`,
        );
      }
    }
  }

  async function invoke(messages: Message[], from: SqsSource): Promise<void> {
    const records = messages.map((m) => toSqsRecord(m, from));
    const ids = records.map((r) => r.messageId);
    const fn = {
      functionName: options.functionName,
      region: from.region,
      ...(options.functionTimeoutMs !== undefined && { timeoutMs: options.functionTimeoutMs }),
      handler: options.handler,
      reportBatchItemFailures,
      log,
      counters,
    };
    const deliverOnce = async (): Promise<ReadonlySet<string>> => {
      const { outcome } = await invokeBatch(fn, records, ids);
      return new Set(outcome.kind === 'success' ? [] : outcome.kind === 'partial' ? outcome.failedIds : ids);
    };
    const firstDelivery = records.every((r) => r.attributes.ApproximateReceiveCount === '1');
    const copies = firstDelivery ? simultaneous : 1;
    counters.simultaneous += copies - 1;
    const outcomes = await Promise.all(Array.from({ length: copies }, deliverOnce));
    const failedIds = new Set(outcomes.flatMap((ids) => [...ids]));
    const failed = records.filter((r) => failedIds.has(r.messageId));
    const succeeded = records.filter((r) => !failedIds.has(r.messageId));
    const again = succeeded.filter((r) => {
      const count = (deliveries.get(r.messageId) ?? 0) + 1;
      if (count >= deliveriesPerMessage) {
        deliveries.delete(r.messageId);
        return false;
      }
      deliveries.set(r.messageId, count);
      return true;
    });
    await deleteRecords(succeeded.filter((r) => !again.includes(r)));
    if (again.length > 0) {
      await changeVisibility(again, 0);
      counters.redelivered += again.length;
    }
    counters.succeeded += succeeded.length;
    counters.failed += failed.length;
    counters.movedToDlq += failed.filter(
      (r) => Number(r.attributes.ApproximateReceiveCount) >= maxReceiveCount,
    ).length;
    if (failed.length > 0 && options.retryAfterSeconds !== undefined) {
      await changeVisibility(failed, options.retryAfterSeconds);
    }
  }

  async function work(from: SqsSource): Promise<void> {
    while (running) {
      try {
        const messages = await collectBatch();
        if (messages.length === 0) continue;
        if (!running) {
          // Received while stopping: hand them straight back rather than keep them hidden until the timeout.
          await changeVisibility(
            messages.map((m) => toSqsRecord(m, from)),
            0,
          );
          return;
        }
        busy += 1;
        peakConcurrency = Math.max(peakConcurrency, busy);
        try {
          await invoke(messages, from);
        } finally {
          busy -= 1;
        }
      } catch (error) {
        if (!running) return;
        log(`${options.functionName}: polling ${queueUrl} failed, retrying: ${describeError(error)}`);
        await pause(250);
      }
    }
  }

  async function queueCounts(): Promise<number> {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  }

  const poller: SqsPoller = {
    async start() {
      if (running) return;
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn', 'RedrivePolicy'] }),
      );
      const queueArn = Attributes.QueueArn;
      if (queueArn === undefined) throw new Error(`queue ${queueUrl} did not report its ARN`);
      const from: SqsSource = { queueArn, region: regionOfArn(queueArn) };
      if (Attributes.RedrivePolicy !== undefined) {
        maxReceiveCount = Number(
          (JSON.parse(Attributes.RedrivePolicy) as { maxReceiveCount: unknown }).maxReceiveCount,
        );
      }
      running = true;
      stopping = new AbortController();
      workers = Array.from({ length: concurrency }, () => work(from));
    },
    async stop() {
      running = false;
      stopping.abort();
      await Promise.all(workers);
      workers = [];
    },
    async isIdle() {
      if (busy > 0) return false;
      return (await queueCounts()) === 0 && busy === 0;
    },
    async waitForIdle({ timeoutMs = 30_000, intervalMs = 100 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let streak = 0;
      while (streak < 2) {
        if (Date.now() > deadline) {
          throw new NotIdleError(
            `the ${options.functionName} queue ${queueUrl}`,
            timeoutMs,
            `${busy} invocation(s) running, ${await queueCounts()} message(s) in the queue`,
          );
        }
        streak = (await poller.isIdle()) ? streak + 1 : 0;
        if (streak < 2) await sleep(intervalMs);
      }
    },
    get counters() {
      return { ...counters };
    },
    get peakConcurrency() {
      return peakConcurrency;
    },
  };
  return poller;
}
