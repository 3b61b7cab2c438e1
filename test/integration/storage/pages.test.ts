import {
  DeleteItemCommand,
  PutItemCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DumpEvent } from '../../../lambdas/core/dump/types';
import { writeChunks } from '../../../lambdas/app/write-chunks';
import { encodeChunkMessage, type ChunkMessage } from '../../../lambdas/core/storage/chunk-message';
import { DayPagesMissingError, TableLayoutError } from '../../../lambdas/core/storage/errors';
import { daySk, LAYOUT_KEY, pagePk, summaryPk } from '../../../lambdas/core/storage/keys';
import { readStoredDays } from '../../../lambdas/core/storage/read-events';
import { queryAll } from '../../../lambdas/core/storage/query';
import { writeChunk, type WriteChunkDeps } from '../../../lambdas/core/storage/write-chunk';
import { at, BASE_DAY, dayEvents } from '../../factories/events';
import { startDump } from '../support/dumps';
import { interceptedClient } from '../support/intercepted-client';
import { readDayPages, readSummary } from '../support/storage';
import { createTestTable, useTestTable, type TestTable } from '../support/table';

const NOW = at(BASE_DAY + 30);
const noWait = { sleep: async () => undefined, random: () => 0.5 };

/** The parser's half for one dump; the chunk messages as SQS delivers them. */
async function parse(
  table: TestTable,
  events: readonly DumpEvent[],
  patientId: string,
  maxChunkEvents?: number,
): Promise<ChunkMessage[]> {
  return (
    await startDump(table, events, {
      patientId,
      now: NOW,
      ...(maxChunkEvents !== undefined && { maxChunkEvents }),
    })
  ).messages;
}

function deps(table: TestTable, extra: Partial<WriteChunkDeps> = {}): WriteChunkDeps {
  return { dynamodb: table.dynamodb, tableName: table.tableName, saltBuckets: 4, timing: noWait, ...extra };
}

const isCommit = (name: string, args: { input: unknown }) =>
  name === 'TransactWriteItemsCommand' &&
  ((args.input as TransactWriteItemsCommandInput).TransactItems ?? []).some((item) => item.Delete);

describe('event pages', () => {
  const table = useTestTable({ prefix: 'pages' });

  it("spreads a dense day's pages over its salt partitions and reads every event back", async () => {
    const patientId = 'P-dense';
    const events = dayEvents(BASE_DAY, 1, { perDay: 24_000 });
    const chunks = await parse(table.current, events, patientId, 3_000);
    expect(chunks).toHaveLength(8);
    for (const chunk of chunks) await writeChunk(deps(table.current), chunk);

    const summary = await readSummary(table.current, patientId, 'DEV-1', BASE_DAY);
    expect(summary).toMatchObject({ pages: 8, salts: 4, version: 8 });
    expect(summary!.inputs.events).toBe(24_000);
    // Two pages in each of the four partitions: no partition key takes the whole day.
    const perPartition = await Promise.all(
      [0, 1, 2, 3].map(
        async (salt) =>
          (
            await queryAll(table.current.dynamodb, {
              TableName: table.current.tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': { S: pagePk(BASE_DAY, patientId, 'DEV-1', salt) } },
            })
          ).length,
      ),
    );
    expect(perPartition).toEqual([2, 2, 2, 2]);
    const days = [];
    for await (const day of readStoredDays(table.current, { patientId, deviceId: 'DEV-1' })) days.push(day);
    expect(days).toHaveLength(1);
    expect(days[0]!.events.length).toBe(24_000);
  }, 60_000);

  it("refuses the commit of a writer whose lease expired mid-chunk: stored state is the new holder's", async () => {
    const patientId = 'P-stalled';
    const base = dayEvents(BASE_DAY + 1, 1, { perDay: 20 });
    const [slowChunk] = await parse(table.current, base, patientId);
    // Another upload of the same identities with other content.
    const [fastChunk] = await parse(
      table.current,
      base.map((e) => ({ ...e, value: e.value + 1 })),
      patientId,
    );
    let now = 1_000_000;
    let release!: () => void;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    let reachedCommit!: () => void;
    const atCommit = new Promise<void>((resolve) => (reachedCommit = resolve));
    let commits = 0;
    const slowClient = interceptedClient(async (name, args, next) => {
      if (isCommit(name, args) && commits++ === 0) {
        reachedCommit();
        await stalled;
      }
      return next(args);
    });
    const slow = writeChunk(
      deps(table.current, { dynamodb: slowClient, clock: () => now, dayLeaseMs: 10_000 }),
      slowChunk!,
    );
    await atCommit;
    // The slow writer holds the lease and has classified everything as new; its lease runs out.
    now += 60_000;
    const fast = await writeChunk(deps(table.current, { clock: () => now, dayLeaseMs: 10_000 }), fastChunk!);
    expect(fast.outcome).toMatchObject({ stored: 20, conflicts: 0 });
    release();
    const late = await slow;
    slowClient.destroy();

    // Its one commit was refused; reading again it found every identity stored: all duplicates, all conflicts.
    expect(late.commitAttempts).toBe(1);
    expect(late.outcome).toEqual({ records: 20, stored: 0, duplicates: 20, conflicts: 20 });
    const stored = await readDayPages(table.current, patientId, 'DEV-1', BASE_DAY + 1, 4);
    expect(stored.events).toHaveLength(20);
    const byIdentity = new Map(stored.events.map((e) => [`${e.timestamp}/${e.seq}/${e.type}`, e]));
    for (const e of base)
      expect(byIdentity.get(`${e.timestamp}/${e.seq}/${e.type}`)?.value).toBe(e.value + 1);
    expect((await readSummary(table.current, patientId, 'DEV-1', BASE_DAY + 1))?.inputs.events).toBe(20);
  });

  it('refuses to classify against a day whose pages are missing while it is still retained', async () => {
    const patientId = 'P-gap';
    const events = dayEvents(BASE_DAY + 2, 1, { perDay: 10 });
    for (const chunk of await parse(table.current, events, patientId))
      await writeChunk(deps(table.current), chunk);
    const summary = (await readSummary(table.current, patientId, 'DEV-1', BASE_DAY + 2))!;
    await table.current.dynamodb.send(
      new DeleteItemCommand({
        TableName: table.current.tableName,
        Key: {
          pk: { S: pagePk(BASE_DAY + 2, patientId, 'DEV-1', 0) },
          sk: { S: `P#${summary.generation}#000001` },
        },
      }),
    );
    const [again] = await parse(table.current, [...events, { ...events[0]!, seq: 999 }], patientId);
    // The worker's wall clock is within the day's retention (the default clock is years later).
    await expect(writeChunk(deps(table.current, { clock: () => NOW }), again!)).rejects.toBeInstanceOf(
      DayPagesMissingError,
    );
  });

  it('replaces a day past its retention whose pages TTL deleted first, and ignores what is left of it', async () => {
    const patientId = 'P-expiring';
    const day = BASE_DAY + 3;
    const events = dayEvents(day, 1, { perDay: 10 });
    for (const chunk of await parse(table.current, events, patientId))
      await writeChunk(deps(table.current), chunk);
    const old = (await readSummary(table.current, patientId, 'DEV-1', day))!;
    await table.current.dynamodb.send(
      new DeleteItemCommand({
        TableName: table.current.tableName,
        Key: { pk: { S: pagePk(day, patientId, 'DEV-1', 0) }, sk: { S: `P#${old.generation}#000001` } },
      }),
    );
    const later = [{ ...events[0]!, seq: 4242 }, events[1]!];
    const [chunk] = await parse(table.current, later, patientId);
    // The worker runs after the day's time-to-live (end of day + 400 days).
    const afterTtl = () => (day + 402) * 86_400_000;
    const result = await writeChunk(deps(table.current, { clock: afterTtl }), chunk!);
    expect(result.outcome).toMatchObject({ stored: 2, duplicates: 0 });
    const summary = (await readSummary(table.current, patientId, 'DEV-1', day))!;
    expect(summary).toMatchObject({ version: old.version + 1, pages: 1 });
    expect(summary.generation).not.toBe(old.generation);
    expect(summary.inputs.events).toBe(2);
  });

  it('starts a new generation when TTL deleted the summary first, so leftover pages never collide', async () => {
    const patientId = 'P-leftover';
    const day = BASE_DAY + 4;
    const events = dayEvents(day, 1, { perDay: 10 });
    for (const chunk of await parse(table.current, events, patientId))
      await writeChunk(deps(table.current), chunk);
    await table.current.dynamodb.send(
      new DeleteItemCommand({
        TableName: table.current.tableName,
        Key: { pk: { S: summaryPk(patientId, 'DEV-1') }, sk: { S: daySk(day) } },
      }),
    );
    const [chunk] = await parse(table.current, events.slice(0, 3), patientId);
    expect(chunk!.dayWasEmpty).toBe(true);
    const result = await writeChunk(deps(table.current), chunk!);
    expect(result).toMatchObject({ fastPath: true, outcome: { stored: 3 } });
    const days = [];
    for await (const d of readStoredDays(table.current, { patientId, deviceId: 'DEV-1' })) days.push(d);
    expect(days.map((d) => d.events.length)).toEqual([3]);
    // The old generation's page is still there (TTL has not reached it yet) and nothing reads it.
    expect((await readDayPages(table.current, patientId, 'DEV-1', day, 4)).pages).toBe(2);
  });
});

describe('the table layout check', () => {
  it('refuses a table with no layout marker or another layout, before touching anything', async () => {
    const table = await createTestTable({ prefix: 'layout' });
    try {
      const [chunk] = await parse(table, dayEvents(BASE_DAY, 1, { perDay: 3 }), 'P-layout');
      const body = encodeChunkMessage(chunk!);
      const run = () =>
        writeChunks(
          {
            dynamodb: table.dynamodb,
            // A chunk message touches neither: only a dense day's does.
            s3: new S3Client({ region: 'us-east-1' }),
            sqs: new SQSClient({ region: 'us-east-1' }),
            fanoutQueueUrl: 'http://127.0.0.1:1/unused',
            tableName: table.tableName,
            saltBuckets: 4,
          },
          body,
        );
      await table.dynamodb.send(
        new DeleteItemCommand({
          TableName: table.tableName,
          Key: { pk: { S: LAYOUT_KEY.pk }, sk: { S: LAYOUT_KEY.sk } },
        }),
      );
      await expect(run()).rejects.toThrow(/has no storage layout marker/);
      await table.dynamodb.send(
        new PutItemCommand({
          TableName: table.tableName,
          Item: { pk: { S: LAYOUT_KEY.pk }, sk: { S: LAYOUT_KEY.sk }, layout: { N: '1' } },
        }),
      );
      await expect(run()).rejects.toBeInstanceOf(TableLayoutError);
      await expect(run()).rejects.toThrow(/holds storage layout 1/);
      expect(await readSummary(table, 'P-layout', 'DEV-1', BASE_DAY)).toBeUndefined();
    } finally {
      await table.delete();
    }
  });
});
