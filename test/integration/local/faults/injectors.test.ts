import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ScanCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { cancellationCodes, isTransactionConflict } from '../../../../lambdas/core/storage/conditions';
import { PauseInjector } from '../../../../local/faults/pause';
import { startLocalS3Sqs } from '../../../../local/services/s3-sqs';
import { Random } from '../../../../generator/prng';
import { CrashInjector, SimulatedCrashError } from '../../../../local/faults/crash';
import { injectDynamoDbFaults } from '../../../../local/faults/dynamodb-faults';
import { FaultLog } from '../../../../local/faults/fault-log';
import { startOutageProxy } from '../../../../local/faults/outage-proxy';
import { createSqsPoller } from '../../../../local/event-sources/sqs-poller';
import { pooled, type FunctionEnvironment } from '../../../../local/function-environment';
import { PIPELINE_SETTINGS } from '../../../../lambdas/shared/pipeline-settings';
import { drain, sendBodies } from '../../support/s3-sqs';
import { createTestTable, type TestTable } from '../../support/table';

const item = (i: number) => ({ pk: { S: `fault-test#${i}` }, sk: { S: 'x' } });

/** A crash draw that always fires, and always dies before reporting (the whole batch fails). */
class CrashEveryTime extends Random {
  constructor() {
    super(0);
  }
  override next(): number {
    return 0.05;
  }
}

describe('local/faults injectors on DynamoDB Local', () => {
  let table: TestTable;
  const clients: DynamoDBClient[] = [];
  const client = (options: ConstructorParameters<typeof DynamoDBClient>[0] = {}) => {
    const created = new DynamoDBClient(options);
    clients.push(created);
    return created;
  };
  const get = (c: DynamoDBClient, i: number) =>
    c.send(new GetItemCommand({ TableName: table.tableName, Key: item(i), ConsistentRead: true }));

  beforeAll(async () => {
    table = await createTestTable({ prefix: 'faults' });
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await table.delete();
  });

  describe('injectDynamoDbFaults', () => {
    it('throttles below the SDK retries: the client retries, and the error surfaces once attempts run out', async () => {
      const log = new FaultLog();
      const retrying = client({ maxAttempts: 6 });
      injectDynamoDbFaults(retrying, { throttle: 0.4, unprocessed: 0, random: new Random(1), log });
      // The seeded stream makes these 6 calls throttle a few times, never 6 times in a row.
      for (let i = 0; i < 6; i++) await get(retrying, i);
      expect(log.throttled).toBeGreaterThan(0);
      // Every throttled attempt was retried by the SDK's own strategy, none reached the caller.
      expect(log.sdkRetries).toBe(log.throttled);

      const once = client({ maxAttempts: 1 });
      injectDynamoDbFaults(once, {
        throttle: 0.9,
        unprocessed: 0,
        random: new Random(2),
        log: new FaultLog(),
      });
      let thrown: unknown;
      for (let i = 0; i < 10 && thrown === undefined; i++)
        await get(once, i).catch((e: unknown) => (thrown = e));
      expect(thrown).toBeInstanceOf(ProvisionedThroughputExceededException);
    }, 60_000);

    it('hands back a fraction of BatchWriteItem items unwritten, in UnprocessedItems', async () => {
      const log = new FaultLog();
      const faulty = client();
      injectDynamoDbFaults(faulty, { throttle: 0, unprocessed: 0.5, random: new Random(3), log });
      const requests = Array.from({ length: 25 }, (_, i) => ({ PutRequest: { Item: item(100 + i) } }));
      const response = await faulty.send(
        new BatchWriteItemCommand({ RequestItems: { [table.tableName]: requests } }),
      );
      const unprocessed = response.UnprocessedItems?.[table.tableName] ?? [];
      expect(unprocessed.length).toBe(log.unprocessedItems);
      expect(unprocessed.length).toBeGreaterThan(0);
      expect(unprocessed.length).toBeLessThan(25);

      const stored = await table.dynamodb.send(
        new ScanCommand({
          TableName: table.tableName,
          FilterExpression: 'begins_with(pk, :p)',
          ExpressionAttributeValues: { ':p': { S: 'fault-test#1' } },
          ConsistentRead: true,
        }),
      );
      const storedKeys = new Set((stored.Items ?? []).map((i) => i['pk']?.S));
      for (const request of unprocessed)
        expect(storedKeys.has(request.PutRequest?.Item?.['pk']?.S)).toBe(false);
      expect(storedKeys.size).toBe(25 - unprocessed.length);
    });
  });

  describe('conflict', () => {
    it('refuses conditional writes and transactions with TransactionConflict, and nothing else', async () => {
      const log = new FaultLog();
      const faulty = client();
      injectDynamoDbFaults(faulty, {
        throttle: 0,
        unprocessed: 0,
        conflict: 0.9,
        random: new Random(5),
        log,
      });
      const put = (i: number, condition: boolean) =>
        faulty.send(
          new PutItemCommand({
            TableName: table.tableName,
            Item: item(300 + i),
            ...(condition && { ConditionExpression: 'attribute_not_exists(pk)' }),
          }),
        );
      const errors: unknown[] = [];
      for (let i = 0; i < 10; i++) await put(i, true).catch((e: unknown) => errors.push(e));
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => (e as Error).name === 'TransactionConflictException')).toBe(true);
      expect(errors.every(isTransactionConflict)).toBe(true);
      // Plain writes and reads meet no conflict.
      for (let i = 10; i < 15; i++) await put(i, false);
      await get(faulty, 300);

      let cancelled: unknown;
      for (let i = 0; i < 10 && cancelled === undefined; i++) {
        await faulty
          .send(
            new TransactWriteItemsCommand({
              TransactItems: [
                { Put: { TableName: table.tableName, Item: item(400 + 2 * i) } },
                { Put: { TableName: table.tableName, Item: item(401 + 2 * i) } },
              ],
            }),
          )
          .catch((e: unknown) => (cancelled = e));
      }
      expect((cancelled as Error).name).toBe('TransactionCanceledException');
      expect(isTransactionConflict(cancelled)).toBe(true);
      expect([...cancellationCodes(cancelled)].sort()).toEqual(['None', 'TransactionConflict']);
      expect(log.conflicts).toBe(errors.length + 1);
    });
  });

  describe('PauseInjector', () => {
    it('stalls an invocation at one of its calls for the pause, then lets it carry on', async () => {
      const log = new FaultLog();
      const slow = client();
      const run = new PauseInjector(0.9, 300, new Random(6), log).attach([slow]);
      const times: number[] = [];
      for (let invocation = 0; invocation < 4; invocation++) {
        const started = Date.now();
        await run(async () => {
          for (let i = 0; i < 5; i++) await get(slow, i);
        });
        times.push(Date.now() - started);
      }
      expect(log.pauses).toBeGreaterThan(0);
      expect(times.filter((ms) => ms >= 300)).toHaveLength(log.pauses);
    });
  });

  describe('CrashInjector', () => {
    it('kills a parser invocation at an SQS call as well as at a DynamoDB call (parser-crash)', async () => {
      const services = await startLocalS3Sqs();
      try {
        const log = new FaultLog();
        const injector = new CrashInjector(0.9, new Random(7), log, 'parser');
        const points: string[] = [];
        for (let invocation = 0; invocation < 40; invocation++) {
          // A fresh environment each time: a dead one is never used again.
          const dynamodb = client();
          const { sqs } = services.clients();
          await injector
            .attach([dynamodb, sqs])(async () => {
              await get(dynamodb, 1);
              await sqs.send(new GetQueueAttributesCommand({ QueueUrl: services.queues.dump.url }));
              await get(dynamodb, 2);
            })
            .catch((error: unknown) => points.push((error as Error).message));
          sqs.destroy();
        }
        expect(points.filter((p) => /died (before|after) GetQueueAttributes/.test(p)).length).toBeGreaterThan(
          0,
        );
        expect(points.filter((p) => /died (before|after) GetItem/.test(p)).length).toBeGreaterThan(0);
        expect(points.every((p) => p.endsWith('(injected by --faults parser-crash)'))).toBe(true);
        expect(log.parserCrashes).toBeGreaterThanOrEqual(points.length);
        expect(log.crashes).toBe(0);
      } finally {
        await services.stop();
      }
    }, 60_000);

    it('kills an invocation at a DynamoDB call, fails every later call of that environment, and reports where', async () => {
      const log = new FaultLog();
      const victim = client();
      const run = new CrashInjector(0.9, new Random(4), log).attach(victim);
      let deadAfterReporting = 0;
      let crashed: unknown;
      // Each invocation makes 30 calls; at 0.9 one of the first few dies (a death after reporting
      // loses nothing, so the invocation resolves and only says the environment is gone).
      for (let invocation = 0; crashed === undefined && invocation < 20; invocation++) {
        await run(async () => {
          for (let i = 0; i < 30; i++) await get(victim, i);
        }).then(
          ({ dead }) => (deadAfterReporting += dead ? 1 : 0),
          (error: unknown) => (crashed = error),
        );
      }
      expect(crashed).toBeInstanceOf(SimulatedCrashError);
      expect(log.crashes).toBe(deadAfterReporting + 1);
      expect(log.crashPoints.get('after reporting') ?? 0).toBe(deadAfterReporting);
      expect((crashed as Error).message).toMatch(/^the invocation died (before|after) (GetItem|reporting)/);
      if (!/reporting/.test((crashed as Error).message)) {
        await expect(get(victim, 0)).rejects.toBeInstanceOf(SimulatedCrashError);
      }
    });
    it('never fails a message by itself more than twice: a batch holding one is spared, whoever joined it', async () => {
      const log = new FaultLog();
      const injector = new CrashInjector(1, new CrashEveryTime(), log);
      const outcomes: string[] = [];
      const invoke = async (ids: readonly string[]) => {
        // A fresh environment each time: a dead one is never used again.
        const run = injector.attach(client());
        await run(async () => undefined, ids).then(
          () => outcomes.push(`${ids.join('+')} ok`),
          () => outcomes.push(`${ids.join('+')} crashed`),
        );
      };
      await invoke(['a', 'b']);
      await invoke(['a']);
      // 'a' has been failed twice by injected crashes: its batch is spared, with 'c' in it.
      await invoke(['a', 'c']);
      await invoke(['c']);
      await invoke(['c']);
      await invoke(['b', 'c']);
      expect(outcomes).toEqual(['a+b crashed', 'a crashed', 'a+c ok', 'c crashed', 'c crashed', 'b+c ok']);
      expect(log.crashes).toBe(4);
    });

    it('does not move a batch to the DLQ by crashing every invocation it lands in (deployed maxReceiveCount)', async () => {
      // The faults test's flake: messages that fail together (a crash fails the whole batch) come
      // back together and keep sharing invocations, so a seeded draw that front-loads crashes (seed
      // 11: the 1st, 4th, 6th, 11th, 15th and 18th worker invocations) could fail the same
      // messages maxReceiveCount times and the queue moved them to the DLQ. Here every draw crashes.
      const services = await startLocalS3Sqs({ maxReceiveCount: PIPELINE_SETTINGS.maxReceiveCount });
      const { sqs } = services.clients();
      const log = new FaultLog();
      const injector = new CrashInjector(1, new CrashEveryTime(), log);
      const handled: string[][] = [];
      const worker = async (event: SQSEvent, _context: Context): Promise<SQSBatchResponse> => {
        handled.push(event.Records.map((r) => r.body));
        return { batchItemFailures: [] };
      };
      const environment = () => ({ worker, dynamodb: client() }) as unknown as FunctionEnvironment;
      const poller = createSqsPoller({
        sqs,
        queueUrl: services.queues.fanout.url,
        functionName: 'worker',
        handler: pooled(
          environment,
          (e) => e.worker,
          (e) => injector.attach(e.dynamodb),
        ),
        concurrency: 1,
        retryAfterSeconds: 0,
        waitTimeSeconds: 0,
        log: () => undefined,
      });
      try {
        await sendBodies(sqs, services.queues.fanout.url, ['x', 'y', 'z']);
        await poller.start();
        await poller.waitForIdle({ timeoutMs: 20_000 });
        expect(poller.counters).toMatchObject({ succeeded: 3, movedToDlq: 0 });
        expect(await drain(sqs, services.queues.fanoutDlq.url)).toEqual([]);
        expect(log.crashes).toBe(2);
        expect(handled.flat().sort()).toEqual(['x', 'x', 'x', 'y', 'y', 'y', 'z', 'z', 'z']);
      } finally {
        await poller.stop();
        sqs.destroy();
        await services.stop();
      }
    }, 60_000);
  });

  describe('startOutageProxy', () => {
    it('makes DynamoDB unreachable for the outage and reachable again after it', async () => {
      const log = new FaultLog();
      const proxy = await startOutageProxy(process.env['AWS_ENDPOINT_URL_DYNAMODB']!, log);
      try {
        const through = client({ endpoint: proxy.endpoint, maxAttempts: 1 });
        await expect(get(through, 1)).resolves.toBeDefined();
        const outage = proxy.outage(1_000);
        // The open connection is cut; a new one is dropped as soon as it opens.
        await expect(get(through, 1)).rejects.toThrow();
        await expect(get(through, 1)).rejects.toThrow();
        await outage;
        await expect(get(through, 1)).resolves.toBeDefined();
        expect(log.outages).toBe(1);
        expect(log.refusedConnections).toBeGreaterThan(0);
      } finally {
        await proxy.close();
      }
    });
  });
});
