import {
  DynamoDBClient,
  PutItemCommand,
  ThrottlingException,
  type BatchWriteItemCommandInput,
  type BatchWriteItemCommandOutput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { decodeChunkMessage, type ChunkMessage } from '../../../lambdas/core/storage/chunk-message';
import { buildChunkMessage, chunkMessageBody, planChunks } from '../../../lambdas/core/storage/chunks';
import { WriteRetriesExhaustedError } from '../../../lambdas/core/storage/errors';
import { DAY_LOCK_SK, digestPk, ledgerPk, type DumpRef } from '../../../lambdas/core/storage/keys';
import { claimDump, pendingChunks, readLedger, startProcessing } from '../../../lambdas/core/storage/ledger';
import { prepareDump } from '../../../lambdas/core/storage/prepare';
import { writeChunk, type WriteChunkDeps } from '../../../lambdas/core/storage/write-chunk';
import { at, BASE_DAY, dayEvents, decodedDump } from '../../factories/events';
import { readDigest, readSummary, scanEvents } from '../support/storage';
import { useTestTable, type TestTable } from '../support/table';
import { interceptedClient } from '../support/intercepted-client';

const NOW = at(BASE_DAY + 30);
const noWait = { sleep: async () => undefined, random: () => 0.5 };
let refCounter = 0;

/** Claims and starts a one-day dump for `patientId`; returns its chunk messages. */
async function plannedChunks(table: TestTable, patientId: string, perDay: number): Promise<ChunkMessage[]> {
  const dumpRef: DumpRef = { bucket: 'b', key: `failures-${++refCounter}`, version: 'v' };
  const dumpId = ledgerPk(dumpRef);
  await claimDump(table, dumpRef, { uploadedAt: NOW, now: NOW });
  const prepared = prepareDump(decodedDump(dayEvents(BASE_DAY, 1, { perDay }), { patientId }), { now: NOW });
  const plans = planChunks(prepared, prepared.days);
  await startProcessing(table, dumpId, {
    counts: { records: prepared.records, valid: prepared.valid, rejected: prepared.rejected, expired: 0 },
    settledDuplicates: 0,
    settledConflicts: 0,
    chunkIds: plans.map((p) => p.chunkId),
  });
  return plans.map((plan) =>
    decodeChunkMessage(chunkMessageBody(buildChunkMessage(prepared, plan, { dumpId, uploadedAt: NOW }))),
  );
}

function deps(table: TestTable, client: DynamoDBClient, extra: Partial<WriteChunkDeps> = {}): WriteChunkDeps {
  return { client, tableName: table.tableName, saltBuckets: 3, timing: noWait, ...extra };
}

async function eventCount(table: TestTable, patientId: string): Promise<number> {
  return (await scanEvents(table)).filter((e) => e.pk.includes(`#${patientId}#`)).length;
}

describe('writeChunk under failures', () => {
  const table = useTestTable({ prefix: 'failures' });

  it('counts exactly once after a crash between the event write and the digest commit', async () => {
    const [chunk] = await plannedChunks(table.current, 'P-crash', 120);
    let crashed = false;
    const client = interceptedClient(async (name, args, next) => {
      if (name === 'TransactWriteItemsCommand' && !crashed) {
        crashed = true;
        throw new Error('injected crash before the digest commit');
      }
      return next(args);
    });
    await expect(writeChunk(deps(table.current, client), chunk!)).rejects.toThrow('injected crash');
    // The events are there, the day is not: nothing counted yet.
    expect(await eventCount(table.current, 'P-crash')).toBe(120);
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
    expect((await readDigest(table.current, 'P-crash', 'DEV-1', BASE_DAY)).identities).toHaveLength(120);
    client.destroy();
  });

  it('takes over a lease left by a crashed worker once it expires', async () => {
    const [chunk] = await plannedChunks(table.current, 'P-lease', 10);
    const clockStart = 1_000_000;
    await table.current.client.send(
      new PutItemCommand({
        TableName: table.current.tableName,
        Item: {
          pk: { S: digestPk(BASE_DAY, 'P-lease', 'DEV-1') },
          sk: { S: DAY_LOCK_SK },
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
      deps(table.current, client, { clock: () => now, timing, lockLeaseMs: 60_000, lockWaitMs: 5_000 }),
      chunk!,
    );
    expect(result.outcome.stored).toBe(10);
    expect(sleeps.length).toBeGreaterThan(0);
    expect(now).toBeGreaterThan(clockStart + 500);
    client.destroy();
  });

  it('hands a chunk back (E_DAY_BUSY) when the day stays locked past the wait', async () => {
    const [chunk] = await plannedChunks(table.current, 'P-busy', 5);
    await table.current.client.send(
      new PutItemCommand({
        TableName: table.current.tableName,
        Item: {
          pk: { S: digestPk(BASE_DAY, 'P-busy', 'DEV-1') },
          sk: { S: DAY_LOCK_SK },
          owner: { S: 'other' },
          expiresAt: { N: String(Number.MAX_SAFE_INTEGER) },
        },
      }),
    );
    let now = 0;
    const timing = { sleep: async (ms: number) => void (now += ms), random: () => 0.5 };
    const client = new DynamoDBClient({});
    await expect(
      writeChunk(deps(table.current, client, { clock: () => now, timing, lockWaitMs: 2_000 }), chunk!),
    ).rejects.toMatchObject({ code: 'E_DAY_BUSY' });
    expect(await eventCount(table.current, 'P-busy')).toBe(0);
    client.destroy();
  });

  it('stores every item when DynamoDB leaves items unprocessed and throttles', async () => {
    const [chunk] = await plannedChunks(table.current, 'P-throttle', 300);
    let batchCalls = 0;
    let throttled = 0;
    let heldBack = 0;
    const client = interceptedClient(async (name, args, next) => {
      if (name !== 'BatchWriteItemCommand') return next(args);
      batchCalls++;
      if (batchCalls % 4 === 1) {
        throttled++;
        throw new ThrottlingException({ message: 'injected throttling', $metadata: {} });
      }
      const input = args.input as BatchWriteItemCommandInput;
      const [tableName, requests] = Object.entries(input.RequestItems ?? {})[0] as [string, WriteRequest[]];
      if (requests.length < 2) return next(args);
      // Write only the first half; hand the rest back as UnprocessedItems, as DynamoDB may.
      const half = Math.ceil(requests.length / 2);
      heldBack += requests.length - half;
      const result = await next({
        input: { ...input, RequestItems: { [tableName]: requests.slice(0, half) } },
      });
      const output = result.output as BatchWriteItemCommandOutput;
      return { ...result, output: { ...output, UnprocessedItems: { [tableName]: requests.slice(half) } } };
    });
    const result = await writeChunk(deps(table.current, client, { batch: { maxAttempts: 12 } }), chunk!);
    expect(result.outcome.stored).toBe(300);
    expect(throttled).toBeGreaterThan(0);
    expect(heldBack).toBeGreaterThan(0);
    expect(await eventCount(table.current, 'P-throttle')).toBe(300);
    client.destroy();
  });

  it('throws E_WRITE_RETRIES_EXHAUSTED when items stay unprocessed, and the retried chunk completes', async () => {
    const [chunk] = await plannedChunks(table.current, 'P-exhaust', 40);
    const stubborn = interceptedClient(async (name, args, next) => {
      if (name !== 'BatchWriteItemCommand') return next(args);
      const input = args.input as BatchWriteItemCommandInput;
      return { output: { UnprocessedItems: input.RequestItems, $metadata: {} } };
    });
    const failure = writeChunk(deps(table.current, stubborn, { batch: { maxAttempts: 3 } }), chunk!);
    await expect(failure).rejects.toBeInstanceOf(WriteRetriesExhaustedError);
    expect((await readLedger(table.current, chunk!.dumpId))?.status).toBe('PROCESSING');
    expect(await pendingChunks(table.current, chunk!.dumpId)).toEqual([chunk!.chunkId]);

    const healthy = new DynamoDBClient({});
    const retry = await writeChunk(deps(table.current, healthy), chunk!);
    expect(retry.completion?.totals.stored).toBe(40);
    expect(await eventCount(table.current, 'P-exhaust')).toBe(40);
    stubborn.destroy();
    healthy.destroy();
  });
});
