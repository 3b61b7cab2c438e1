import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type Shard,
  type ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { matchesFilterPattern, type FilterPattern } from '../../lambdas/core/filter-pattern';
import { NotIdleError } from '../errors';
import type { AsyncHandler } from '../lambda-context';
import { describeError, invokeBatch } from './invoke-batch';
import { streamFailureRecord } from './stream-failure-record';
import { toLambdaStreamRecord } from './stream-record';

export interface StreamPollerOptions {
  /** A streams client aimed at DynamoDB Local (it serves the streams API on its own port). */
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly handler: AsyncHandler<DynamoDBStreamEvent, DynamoDBBatchResponse | void>;
  readonly functionName: string;
  /** Where to start in the shards that exist at start(); shards that appear later are read from their start. @default 'TRIM_HORIZON' */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** @default 100 */
  readonly batchSize?: number;
  /** MaximumBatchingWindowInSeconds, in ms. @default 0 */
  readonly maxBatchingWindowMs?: number;
  /** FilterCriteria: a record is delivered when any pattern matches; others are skipped. @default [] (deliver all) */
  readonly filterPatterns?: readonly FilterPattern[];
  /** FunctionResponseTypes: ['ReportBatchItemFailures']. @default true */
  readonly reportBatchItemFailures?: boolean;
  /** Retries of a failing batch before it goes to onFailure. Lambda's default is unbounded; locally it is not. @default 2 */
  readonly maxRetryAttempts?: number;
  /** Split a batch in two when the handler throws, retrying each half. @default false */
  readonly bisectBatchOnFunctionError?: boolean;
  /** The mapping's on-failure destination (an SQS queue). Without one, exhausted batches are skipped. */
  readonly onFailure?: { readonly sqs: SQSClient; readonly queueUrl: string };
  /** Pause between GetRecords calls on a shard with nothing new. @default 200 */
  readonly pollIntervalMs?: number;
  /** How often DescribeStream looks for new shards. @default 1000 */
  readonly shardRefreshMs?: number;
  /** Pause before the first retry of a failed batch; it doubles with each further retry (at most 10 s). @default 100 */
  readonly retryDelayMs?: number;
  /** Region in the context's function ARN. @default 'us-east-1' */
  readonly region?: string;
  /** Function timeout reported by the context. @default 30000 */
  readonly functionTimeoutMs?: number;
  /** @default one line on stderr */
  readonly log?: (line: string) => void;
}

export interface StreamPollerCounters {
  readonly invocations: number;
  /** Records handed to the handler (a retried record counts each time). */
  readonly records: number;
  /** Records the filter patterns dropped. */
  readonly filteredOut: number;
  /** Invocations whose handler threw. */
  readonly handlerErrors: number;
  /** Re-invocations of a batch (or its failed tail) after a failure. */
  readonly retries: number;
  /** Batches that ran out of retries and went to the on-failure destination (or were skipped). */
  readonly failedBatches: number;
  readonly failedRecords: number;
}

export interface StreamPoller {
  /** Reads the shard list (failing if the stream does not exist) and starts reading. */
  start(): Promise<void>;
  /** Stops reading; an invocation in flight finishes, its retries do not start. */
  stop(): Promise<void>;
  /** Every open shard read to its end, nothing buffered or in flight. */
  isIdle(): boolean;
  /**
   * Resolves once isIdle() has held for quietMs without a break. DynamoDB Local shows a write in
   * its stream a little later, so quietMs should cover that delay.
   */
  waitForIdle(options?: { timeoutMs?: number; quietMs?: number }): Promise<void>;
  readonly counters: StreamPollerCounters;
}

interface ShardState {
  readonly id: string;
  readonly parentId: string | undefined;
  readonly position: 'TRIM_HORIZON' | 'LATEST';
  status: 'waiting' | 'reading' | 'done';
  /** The last GetRecords returned nothing. */
  caughtUp: boolean;
  /** Records read, filtered and waiting for the batch to fill. */
  buffered: number;
  busy: boolean;
  lastSequence: string | undefined;
  /** Taken by start() for the first shards, so that LATEST means "after start() returned". */
  iterator: string | undefined;
  worker: Promise<void> | undefined;
}

/**
 * Emulates Lambda's DynamoDB Streams event source mapping: one reader per shard (a child shard
 * waits for its parent to be read to the end), records filtered before batching, batches of up to
 * batchSize delivered in order, a failing batch retried (from the first failed record when the
 * handler reports batch item failures), and an exhausted batch reported to the on-failure queue.
 * Over 300 lines because shard lineage, filtering, retry with bisection and the on-failure record
 * are one state machine per shard; split, each part would need the others' state.
 */
export function createStreamPoller(options: StreamPollerOptions): StreamPoller {
  const { streams, streamArn } = options;
  const startingPosition = options.startingPosition ?? 'TRIM_HORIZON';
  const batchSize = options.batchSize ?? 100;
  const windowMs = options.maxBatchingWindowMs ?? 0;
  const filters = options.filterPatterns ?? [];
  const reportBatchItemFailures = options.reportBatchItemFailures ?? true;
  const maxRetryAttempts = options.maxRetryAttempts ?? 2;
  const pollIntervalMs = options.pollIntervalMs ?? 200;
  const shardRefreshMs = options.shardRefreshMs ?? 1000;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new RangeError('batchSize must be an integer from 1 to 10000');
  }

  const counters = {
    invocations: 0,
    records: 0,
    filteredOut: 0,
    handlerErrors: 0,
    retries: 0,
    failedBatches: 0,
    failedRecords: 0,
  };
  const shards = new Map<string, ShardState>();
  let running = false;
  let stopping = new AbortController();
  let discovery: Promise<void> | undefined;

  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);
  const sequenceOf = (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber ?? '';
  const passesFilters = (record: DynamoDBRecord) =>
    filters.length === 0 || filters.some((pattern) => matchesFilterPattern(pattern, record));

  async function listShards(): Promise<Shard[]> {
    const all: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
      );
      all.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return all;
  }

  function addShards(found: readonly Shard[], initial: boolean): void {
    for (const shard of found) {
      if (shard.ShardId === undefined || shards.has(shard.ShardId)) continue;
      const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      shards.set(shard.ShardId, {
        id: shard.ShardId,
        parentId: shard.ParentShardId,
        position: initial ? startingPosition : 'TRIM_HORIZON',
        // From LATEST, a shard that is already closed will never show anything new.
        status: initial && startingPosition === 'LATEST' && closed ? 'done' : 'waiting',
        caughtUp: false,
        buffered: 0,
        busy: false,
        lastSequence: undefined,
        iterator: undefined,
        worker: undefined,
      });
    }
  }

  /** Lambda keeps a key's changes in order across a split by finishing the parent before its children. */
  function isReady(shard: ShardState): boolean {
    const parent = shard.parentId === undefined ? undefined : shards.get(shard.parentId);
    return shard.status === 'waiting' && (parent === undefined || parent.status === 'done');
  }

  function startReadyShards(): void {
    for (const shard of shards.values()) {
      if (!isReady(shard)) continue;
      shard.status = 'reading';
      // Not expected (readShard handles AWS errors itself), but a rejected worker must not take the
      // process down; the shard then stays busy so waitForIdle() reports it.
      shard.worker = readShard(shard).catch((error: unknown) => {
        shard.caughtUp = false;
        log(
          `${options.functionName}: stopped reading shard ${shard.id} after an unexpected error: ${describeError(error)}`,
        );
      });
    }
  }

  async function discover(): Promise<void> {
    while (running) {
      await pause(shardRefreshMs);
      if (!running) return;
      try {
        addShards(await listShards(), false);
        startReadyShards();
      } catch (error) {
        log(`${options.functionName}: DescribeStream failed, will retry: ${describeError(error)}`);
      }
    }
  }

  async function iteratorFor(shard: ShardState): Promise<string | undefined> {
    const afterLastRead = shard.lastSequence !== undefined;
    const type: ShardIteratorType = afterLastRead ? 'AFTER_SEQUENCE_NUMBER' : shard.position;
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.id,
        ShardIteratorType: type,
        SequenceNumber: afterLastRead ? shard.lastSequence : undefined,
      }),
    );
    return ShardIterator;
  }

  async function readShard(shard: ShardState): Promise<void> {
    let iterator = shard.iterator;
    shard.iterator = undefined;
    let buffer: DynamoDBRecord[] = [];
    let bufferedSince = 0;
    while (running) {
      let read: DynamoDBRecord[];
      try {
        iterator ??= await iteratorFor(shard);
        if (iterator === undefined) break;
        const result = await streams.send(
          // GetRecords' maximum whatever the batch size, as Lambda's poller reads: records are filtered
          // before batching, and with the KPI filter ~99% are dropped, so a read of batchSize made
          // ten times the calls for the same records.
          new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
        );
        read = (result.Records ?? []).map((r) => toLambdaStreamRecord(r, streamArn));
        iterator = result.NextShardIterator;
      } catch (error) {
        if (!running) return;
        const name = (error as { name?: string }).name;
        if (name === 'ResourceNotFoundException') {
          log(
            `${options.functionName}: shard ${shard.id} is gone (${describeError(error)}); stopped reading it`,
          );
          break;
        }
        // An expired or trimmed iterator is replaced from the last record read; anything else is retried.
        if (name !== 'ExpiredIteratorException' && name !== 'TrimmedDataAccessException') {
          log(
            `${options.functionName}: reading shard ${shard.id} failed, will retry: ${describeError(error)}`,
          );
        }
        iterator = undefined;
        await pause(pollIntervalMs);
        continue;
      }

      for (const record of read) {
        shard.lastSequence = sequenceOf(record);
        if (!passesFilters(record)) {
          counters.filteredOut += 1;
          continue;
        }
        if (buffer.length === 0) bufferedSince = Date.now();
        buffer.push(record);
      }
      shard.buffered = buffer.length;
      shard.caughtUp = read.length === 0;
      const closed = iterator === undefined;
      while (
        running &&
        (buffer.length >= batchSize ||
          (buffer.length > 0 && (closed || Date.now() - bufferedSince >= windowMs)))
      ) {
        const batch = buffer.slice(0, batchSize);
        buffer = buffer.slice(batchSize);
        shard.buffered = buffer.length;
        shard.busy = true;
        try {
          await deliver(shard, batch, 0);
        } finally {
          shard.busy = false;
        }
        bufferedSince = Date.now();
      }
      if (closed) break;
      if (read.length === 0 || buffer.length > 0) await pause(pollIntervalMs);
    }
    if (!running) return;
    // Read to its end (or gone): its children may start now.
    shard.status = 'done';
    shard.caughtUp = true;
    startReadyShards();
  }

  const fn = {
    functionName: options.functionName,
    ...(options.region !== undefined && { region: options.region }),
    ...(options.functionTimeoutMs !== undefined && { timeoutMs: options.functionTimeoutMs }),
    handler: options.handler,
    reportBatchItemFailures,
    log,
    counters,
  };
  const invoke = (records: readonly DynamoDBRecord[]) => invokeBatch(fn, records, records.map(sequenceOf));

  /** Delivers a batch until it succeeds or runs out of retries; `invokes` counts earlier attempts (bisection). */
  async function deliver(
    shard: ShardState,
    records: readonly DynamoDBRecord[],
    invokes: number,
  ): Promise<void> {
    let remaining = records;
    for (;;) {
      const { outcome, threw, requestId, functionArn } = await invoke(remaining);
      invokes += 1;
      if (outcome.kind === 'success') return;
      if (outcome.kind === 'partial') {
        // Lambda checkpoints before the failed record with the lowest sequence number and retries from it.
        const lowest = outcome.failedIds.reduce((a, b) => (BigInt(a) <= BigInt(b) ? a : b));
        remaining = remaining.slice(remaining.findIndex((r) => sequenceOf(r) === lowest));
      } else if (threw && options.bisectBatchOnFunctionError && remaining.length > 1) {
        // Splitting does not use up a retry.
        const half = Math.ceil(remaining.length / 2);
        await deliver(shard, remaining.slice(0, half), invokes);
        await deliver(shard, remaining.slice(half), invokes);
        return;
      }
      if (invokes > maxRetryAttempts) {
        await reportExhausted(shard, remaining, { requestId, functionArn, invokes, threw });
        return;
      }
      if (!running) return;
      counters.retries += 1;
      // Lambda backs off between retries of a stream batch; a fixed short pause would burn every
      // retry inside one brief outage.
      await pause(Math.min(retryDelayMs * 2 ** (invokes - 1), 10_000));
    }
  }

  async function reportExhausted(
    shard: ShardState,
    records: readonly DynamoDBRecord[],
    last: { requestId: string; functionArn: string; invokes: number; threw: boolean },
  ): Promise<void> {
    counters.failedBatches += 1;
    counters.failedRecords += records.length;
    const failure = streamFailureRecord({
      records,
      shardId: shard.id,
      streamArn,
      functionArn: last.functionArn,
      requestId: last.requestId,
      invokeCount: last.invokes,
      handlerThrew: last.threw,
    });
    if (options.onFailure === undefined) {
      log(
        `${options.functionName}: skipping ${records.length} record(s) after ${last.invokes} attempts (no on-failure destination)`,
      );
      return;
    }
    try {
      await options.onFailure.sqs.send(
        new SendMessageCommand({
          QueueUrl: options.onFailure.queueUrl,
          MessageBody: JSON.stringify(failure),
        }),
      );
    } catch (error) {
      log(
        `${options.functionName}: could not send a failed batch to the on-failure queue: ${describeError(error)}`,
      );
    }
  }

  const poller: StreamPoller = {
    async start() {
      if (running) return;
      const found = await listShards();
      running = true;
      stopping = new AbortController();
      addShards(found, true);
      await Promise.all(
        [...shards.values()].filter(isReady).map(async (shard) => {
          shard.iterator = await iteratorFor(shard);
        }),
      );
      startReadyShards();
      discovery = discover();
    },
    async stop() {
      running = false;
      stopping.abort();
      await Promise.all([discovery, ...[...shards.values()].map((s) => s.worker)]);
      discovery = undefined;
    },
    isIdle() {
      if (!running) return false;
      return [...shards.values()].every(
        (s) => s.status === 'done' || (s.status === 'reading' && s.caughtUp && s.buffered === 0 && !s.busy),
      );
    },
    async waitForIdle({ timeoutMs = 30_000, quietMs = 500 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let idleSince: number | undefined;
      for (;;) {
        const now = Date.now();
        if (poller.isIdle()) {
          idleSince ??= now;
          if (now - idleSince >= quietMs) return;
        } else {
          idleSince = undefined;
        }
        if (now > deadline) {
          const open = [...shards.values()].filter((s) => s.status !== 'done');
          throw new NotIdleError(
            `the ${options.functionName} stream mapping`,
            timeoutMs,
            `${open.filter((s) => s.busy).length} invocation(s) running, ` +
              `${open.reduce((n, s) => n + s.buffered, 0)} record(s) buffered, ` +
              `${open.filter((s) => !s.caughtUp).length} shard(s) not caught up`,
          );
        }
        await sleep(25);
      }
    },
    get counters() {
      return { ...counters };
    },
  };
  return poller;
}
