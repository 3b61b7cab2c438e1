import {
  DynamoDBClient,
  PutItemCommand,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { committedOutcomes, readLedger } from '../../../lambdas/core/ledger';
import type { ChunkMessage } from '../../../lambdas/core/storage/chunk-message';
import { CommitContentionError } from '../../../lambdas/core/storage/errors';
import { DAY_LEASE_SK, dayPk } from '../../../lambdas/core/storage/keys';
import { writeChunk, type WriteChunkDeps } from '../../../lambdas/core/storage/write-chunk';
import { at, BASE_DAY, dayEvents } from '../../factories/events';
import { startDump } from '../support/dumps';
import { readDayPages, readSummary, scanEvents } from '../support/storage';
import { useTestTable, type TestTable } from '../support/table';
import { interceptedClient } from '../support/intercepted-client';

const NOW = at(BASE_DAY + 30);
const noWait = { sleep: async () => undefined, random: () => 0.5 };
/** Claims and starts a one-day dump for `patientId`; returns its chunk messages. */
async function plannedChunks(table: TestTable, patientId: string, perDay: number): Promise<ChunkMessage[]> {
  return (
    await startDump(table, dayEvents(BASE_DAY, 1, { perDay }), { patientId, now: NOW, uploadedAt: NOW })
  ).messages;
}

function deps(table: TestTable, client: DynamoDBClient, extra: Partial<WriteChunkDeps> = {}): WriteChunkDeps {
  return { dynamodb: client, tableName: table.tableName, saltBuckets: 3, timing: noWait, ...extra };
}

async function eventCount(table: TestTable, patientId: string): Promise<number> {
  return (await scanEvents(table)).filter((e) => e.pk.includes(`#${patientId}#`)).length;
}

describe('writeChunk under failures', () => {
  const table = useTestTable({ prefix: 'failures' });

  it('leaves nothing stored after a crash before the commit, and counts exactly once on the retry', async () => {
    const [chunk] = await plannedChunks(table.current, 'P-crash', 120);
    let crashed = false;
    const client = interceptedClient(async (name, args, next) => {
      if (name === 'TransactWriteItemsCommand' && !crashed) {
        crashed = true;
        throw new Error('injected crash before the commit');
      }
      return next(args);
    });
    await expect(writeChunk(deps(table.current, client), chunk!)).rejects.toThrow('injected crash');
    // Events are written only by the commit: nothing is stored or counted yet.
    expect(await eventCount(table.current, 'P-crash')).toBe(0);
    expect(await readSummary(table.current, 'P-crash', 'DEV-1', BASE_DAY)).toBeUndefined();

    const retry = await writeChunk(deps(table.current, client), chunk!);
    expect(retry.outcome).toEqual({ records: 120, stored: 120, duplicates: 0, conflicts: 0 });
    expect(retry.completion?.totals).toEqual({ stored: 120, duplicates: 0, conflicts: 0 });

    const again = await writeChunk(deps(table.current, client), chunk!);
    expect(again.alreadyCommitted).toBe(true);
    expect(again.outcome).toEqual(retry.outcome);
    expect(again.completion).toBeUndefined();
    expect(await eventCount(table.current, 'P-crash')).toBe(120);
    expect((await readSummary(table.current, 'P-crash', 'DEV-1', BASE_DAY))?.inputs.events).toBe(120);
    expect((await readDayPages(table.current, 'P-crash', 'DEV-1', BASE_DAY)).identities).toHaveLength(120);
    client.destroy();
  });

  it('takes over a lease left by a crashed worker once it expires', async () => {
    const [chunk] = await plannedChunks(table.current, 'P-lease', 10);
    const clockStart = 1_000_000;
    await table.current.dynamodb.send(
      new PutItemCommand({
        TableName: table.current.tableName,
        Item: {
          pk: { S: dayPk(BASE_DAY, 'P-lease', 'DEV-1') },
          sk: { S: DAY_LEASE_SK },
          owner: { S: 'crashed-worker' },
          expiresAt: { N: String(clockStart + 500) },
        },
      }),
    );
    let now = clockStart;
    const sleeps: number[] = [];
    const timing = {
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
      random: () => 0.99,
    };
    const client = new DynamoDBClient({});
    const result = await writeChunk(
      deps(table.current, client, { clock: () => now, timing, dayLeaseMs: 60_000, dayLeaseWaitMs: 5_000 }),
      chunk!,
    );
    expect(result.outcome.stored).toBe(10);
    expect(sleeps.length).toBeGreaterThan(0);
    expect(now).toBeGreaterThan(clockStart + 500);
    client.destroy();
  });

  it('hands a chunk back (E_DAY_BUSY) when the day stays locked past the wait', async () => {
    const [chunk] = await plannedChunks(table.current, 'P-busy', 5);
    await table.current.dynamodb.send(
      new PutItemCommand({
        TableName: table.current.tableName,
        Item: {
          pk: { S: dayPk(BASE_DAY, 'P-busy', 'DEV-1') },
          sk: { S: DAY_LEASE_SK },
          owner: { S: 'other' },
          expiresAt: { N: String(Number.MAX_SAFE_INTEGER) },
        },
      }),
    );
    let now = 0;
    const timing = { sleep: async (ms: number) => void (now += ms), random: () => 0.5 };
    const client = new DynamoDBClient({});
    await expect(
      writeChunk(deps(table.current, client, { clock: () => now, timing, dayLeaseWaitMs: 2_000 }), chunk!),
    ).rejects.toMatchObject({ code: 'E_DAY_BUSY' });
    expect(await eventCount(table.current, 'P-busy')).toBe(0);
    client.destroy();
  });

  it('stores every event when DynamoDB throttles its reads, leases and commits', async () => {
    const [chunk] = await plannedChunks(table.current, 'P-throttle', 300);
    let attempts = 0;
    let throttled = 0;
    const client = new DynamoDBClient({});
    // Below the SDK's retry middleware, like DynamoDB's own throttling: every other attempt fails.
    client.middlewareStack.add(
      (next) => async (args) => {
        if (++attempts % 2 === 1) {
          throttled++;
          throw new ProvisionedThroughputExceededException({ message: 'injected throttling', $metadata: {} });
        }
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'testThrottle' },
    );
    const result = await writeChunk(deps(table.current, client), chunk!);
    expect(result.outcome.stored).toBe(300);
    expect(throttled).toBeGreaterThan(2);
    expect(await eventCount(table.current, 'P-throttle')).toBe(300);
    client.destroy();
  });

  it('throws E_COMMIT_CONTENTION when every commit is cancelled, and the retried chunk completes', async () => {
    const [chunk] = await plannedChunks(table.current, 'P-exhaust', 40);
    const contended = interceptedClient(async (name, args, next) => {
      if (name !== 'TransactWriteItemsCommand') return next(args);
      throw new TransactionCanceledException({
        message: 'injected: a concurrent commit won',
        $metadata: {},
        CancellationReasons: [
          { Code: 'None' },
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed' },
          { Code: 'None' },
        ],
      });
    });
    const failure = writeChunk(deps(table.current, contended, { maxCommitAttempts: 3 }), chunk!);
    await expect(failure).rejects.toBeInstanceOf(CommitContentionError);
    expect((await readLedger(table.current, chunk!.dumpId))?.status).toBe('PROCESSING');
    expect((await committedOutcomes(table.current, chunk!.dumpId)).size).toBe(0);
    expect(await eventCount(table.current, 'P-exhaust')).toBe(0);

    const healthy = new DynamoDBClient({});
    const retry = await writeChunk(deps(table.current, healthy), chunk!);
    expect(retry.completion?.totals.stored).toBe(40);
    expect(await eventCount(table.current, 'P-exhaust')).toBe(40);
    contended.destroy();
    healthy.destroy();
  });
});
