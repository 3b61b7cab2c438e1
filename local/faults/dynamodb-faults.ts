import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactionConflictException,
  type BatchWriteItemCommandInput,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { Random } from '../../generator/prng';
import type { FaultLog } from './fault-log';

export interface DynamoDbFaultOptions {
  /** Fraction of attempts that fail with ProvisionedThroughputExceededException. */
  readonly throttle: number;
  /** Fraction of each BatchWriteItem's items returned in UnprocessedItems instead of written. */
  readonly unprocessed: number;
  /** Fraction of conditional writes and TransactWriteItems refused with TransactionConflict. @default 0 */
  readonly conflict?: number;
  readonly random: Random;
  readonly log: FaultLog;
}

/**
 * Makes a functions' DynamoDB client misbehave the way DynamoDB does under load.
 *
 * Throttling is injected per attempt, below the SDK's retry middleware (finalizeRequest, low
 * priority), so the client's own retry strategy sees it exactly as it sees DynamoDB's error and
 * retries with backoff; only when its attempts run out does the error reach the product code.
 * Unprocessed items are injected per command, above the retries (initialize): DynamoDB answers
 * BatchWriteItem with HTTP 200 and the items it did not write, which the SDK does not retry; the
 * product's batch writer must.
 *
 * Conflicts are injected per attempt too, where a real one happens (a write meeting another
 * transaction on its item): TransactWriteItems is cancelled with reason TransactionConflict on one
 * of its items ('None' on the others), a single-item write with a condition fails with
 * TransactionConflictException. Nothing is written; the SDK retries neither, the product must.
 */
export function injectDynamoDbFaults(client: DynamoDBClient, options: DynamoDbFaultOptions): void {
  const { random, log } = options;
  const attempts = new WeakMap<object, number>();

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const attempt = (attempts.get(context) ?? 0) + 1;
      attempts.set(context, attempt);
      if (attempt > 1) log.sdkRetries += 1;
      if (options.throttle > 0 && random.chance(options.throttle)) {
        log.throttled += 1;
        throw new ProvisionedThroughputExceededException({
          message:
            'The level of configured provisioned throughput for the table was exceeded (injected by --faults throttle)',
          $metadata: { httpStatusCode: 400, attempts: attempt },
        });
      }
      if (conflicting(context.commandName, args.input) && random.chance(options.conflict ?? 0)) {
        log.conflicts += 1;
        throw conflictError(context.commandName!, args.input, random);
      }
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'dumpflowFaultThrottle' },
  );

  if (options.unprocessed <= 0) return;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchWriteItemCommand') return next(args);
      const input = args.input as BatchWriteItemCommandInput;
      const sent: Record<string, WriteRequest[]> = {};
      const withheld: Record<string, WriteRequest[]> = {};
      for (const [table, requests] of Object.entries(input.RequestItems ?? {})) {
        for (const request of requests) {
          const target = random.chance(options.unprocessed) ? withheld : sent;
          (target[table] ??= []).push(request);
        }
      }
      const withheldCount = Object.values(withheld).reduce((n, requests) => n + requests.length, 0);
      if (withheldCount === 0) return next(args);
      log.unprocessedItems += withheldCount;
      const merge = (output: BatchWriteItemCommandOutput): BatchWriteItemCommandOutput => {
        const unprocessed: Record<string, WriteRequest[]> = { ...output.UnprocessedItems };
        for (const [table, requests] of Object.entries(withheld)) {
          unprocessed[table] = [...(unprocessed[table] ?? []), ...requests];
        }
        return { ...output, UnprocessedItems: unprocessed };
      };
      if (Object.keys(sent).length === 0) {
        // DynamoDB refuses an empty request; it would have answered "nothing written" with 200.
        return {
          output: merge({ $metadata: { httpStatusCode: 200 }, UnprocessedItems: {} }),
          response: {},
        } as Awaited<ReturnType<typeof next>>;
      }
      const result = await next({ ...args, input: { ...input, RequestItems: sent } });
      return { ...result, output: merge(result.output as BatchWriteItemCommandOutput) };
    },
    { step: 'initialize', name: 'dumpflowFaultUnprocessed' },
  );
}

const CONDITIONAL_WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

/** The writes a concurrent transaction can refuse: transactions, and single-item writes with a condition. */
function conflicting(commandName: string | undefined, input: unknown): boolean {
  if (commandName === 'TransactWriteItemsCommand') return true;
  return (
    commandName !== undefined &&
    CONDITIONAL_WRITES.has(commandName) &&
    (input as { ConditionExpression?: string }).ConditionExpression !== undefined
  );
}

function conflictError(commandName: string, input: unknown, random: Random): Error {
  const $metadata = { httpStatusCode: 400 };
  if (commandName === 'TransactWriteItemsCommand') {
    const items = (input as { TransactItems?: unknown[] }).TransactItems?.length ?? 1;
    const hit = random.int(0, items - 1);
    return new TransactionCanceledException({
      message:
        'Transaction cancelled, please refer cancellation reasons for specific reasons (injected by --faults conflict)',
      $metadata,
      CancellationReasons: Array.from({ length: items }, (_, i) =>
        i === hit
          ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
          : { Code: 'None' },
      ),
    });
  }
  return new TransactionConflictException({
    message: 'Transaction is ongoing for the item (injected by --faults conflict)',
    $metadata,
  });
}
