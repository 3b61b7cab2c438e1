import type { QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { writeChunks, StagedDayMissingError, type WriteChunksDeps } from '../../../lambdas/app/write-chunks';
import type { DumpEvent } from '../../../lambdas/core/dump/types';
import { claimDump, readLedgerOf } from '../../../lambdas/core/ledger';
import { decodeChunkMessage } from '../../../lambdas/core/storage/chunk-message';
import { chunkWithOwner } from '../../../lambdas/core/storage/chunk-owner';
import { decodeFanOutMessage, decodeStagedDay } from '../../../lambdas/core/storage/day-message';
import { ingestInProcess } from '../../../lambdas/core/storage/in-process';
import type { DumpRef } from '../../../lambdas/core/storage/keys';
import { planFanOut, type FanOutPlan } from '../../../lambdas/core/storage/plan-fan-out';
import { writeChunk, type WriteChunkDeps } from '../../../lambdas/core/storage/write-chunk';
import { at, BASE_DAY, dayEvents, decodedDump } from '../../factories/events';
import { useLocalS3Sqs } from '../support/s3-sqs';
import { interceptedClient } from '../support/intercepted-client';
import { readSummary } from '../support/storage';
import { useTestTable, type TestTable } from '../support/table';

/**
 * Issue 12, defect 5: a very dense device-day (valid per the format) split into many parts that
 * each queue on the day's lease and each re-read the day's growing pages. A dense day now goes
 * out as one message naming a staged copy of its parts, and one worker commits them in turn,
 * carrying what it knows of the day from part to part.
 */

const NOW = at(BASE_DAY + 30);
const UPLOADED = NOW - 5_000;
const PER_DAY = 10_000;
const PART_EVENTS = 1_000;
const noWait = { sleep: async () => undefined, random: () => 0.5 };
let counter = 0;
const ref = (): DumpRef => ({ bucket: 'dense-bucket', key: `dense-${++counter}`, version: 'v' });

function deps(table: TestTable, extra: Partial<WriteChunkDeps> = {}): WriteChunkDeps {
  return { dynamodb: table.dynamodb, tableName: table.tableName, saltBuckets: 4, timing: noWait, ...extra };
}

/** A client that counts the event pages its Queries return. */
function pageCountingClient(): { client: ReturnType<typeof interceptedClient>; pagesRead: () => number } {
  let pages = 0;
  const client = interceptedClient(async (name, args, next) => {
    const result = await next(args);
    const input = args.input as { ExpressionAttributeValues?: Record<string, { S?: string }> };
    const onPages = input.ExpressionAttributeValues?.[':pk']?.S?.startsWith('E#') === true;
    if (name === 'QueryCommand' && onPages) pages += (result.output as QueryCommandOutput).Count ?? 0;
    return result;
  });
  return { client, pagesRead: () => pages };
}

async function started(table: TestTable, events: readonly DumpEvent[], patientId: string) {
  const dumpRef = ref();
  const claim = await claimDump(table, dumpRef, { uploadedAt: UPLOADED, now: NOW });
  const plan = await planFanOut(table, claim.ledger, decodedDump(events, { patientId }), {
    maxChunkEvents: PART_EVENTS,
  });
  return { dumpRef, plan };
}

function stagedOf(plan: FanOutPlan) {
  expect(plan.messages).toHaveLength(1);
  const message = decodeFanOutMessage(plan.messages[0]!.body);
  if (message.kind !== 'day') throw new Error('expected a day message');
  expect(plan.staged).toHaveLength(1);
  return { day: message.day, chunks: decodeStagedDay(plan.staged[0]!.body) };
}

describe('planFanOut for a dense day', () => {
  const table = useTestTable({ prefix: 'dense-plan' });

  it('sends one day message naming a staged object of every part, with no patient id in either', async () => {
    const { plan } = await started(table.current, dayEvents(BASE_DAY, 1, { perDay: PER_DAY }), 'P-dense');
    const { day, chunks } = stagedOf(plan);
    expect(day.parts).toEqual(Array.from({ length: PER_DAY / PART_EVENTS }, (_, i) => i));
    expect(day.staged.bucket).toBe('dense-bucket');
    expect(day.staged.key).toMatch(/^staging\/[0-9a-f]{24}\//);
    expect(chunks.map((chunk) => chunk.events.length)).toEqual(day.parts.map(() => PART_EVENTS));
    expect(plan.messages[0]!.body).not.toContain('P-dense');
    expect(plan.staged[0]!.body.toString()).not.toContain('P-dense');
  });

  it('keeps a day of a few parts as chunk messages', async () => {
    const { plan } = await started(table.current, dayEvents(BASE_DAY, 1, { perDay: 4 * PART_EVENTS }), 'P-4');
    expect(plan.staged).toHaveLength(0);
    expect(plan.messages.map((message) => decodeFanOutMessage(message.body).kind)).toEqual([
      'chunk',
      'chunk',
      'chunk',
      'chunk',
    ]);
  });
});

describe('writeDenseDay (through ingestInProcess)', () => {
  const table = useTestTable({ prefix: 'dense-write' });

  it('reads none of its own pages back, where one message per part re-reads the growing day', async () => {
    const events = dayEvents(BASE_DAY, 1, { perDay: PER_DAY });
    const parts = PER_DAY / PART_EVENTS;

    // Before: each part a message of its own, each worker starting from nothing.
    const before = pageCountingClient();
    const { plan } = await started(table.current, events, 'P-parts');
    const { chunks } = stagedOf(plan);
    for (const chunk of chunks) {
      const owned = await chunkWithOwner(table.current, chunk);
      await writeChunk(deps(table.current, { dynamodb: before.client }), owned);
    }
    // Part k reads the k pages the parts before it wrote: 0 + 1 + ... + (parts - 1).
    expect(before.pagesRead()).toBe((parts * (parts - 1)) / 2);

    // Now: one day message, one worker.
    const now = pageCountingClient();
    const result = await ingestInProcess(
      { ...deps(table.current, { dynamodb: now.client }), now: NOW, maxChunkEvents: PART_EVENTS },
      ref(),
      decodedDump(events, { patientId: 'P-day' }),
      UPLOADED,
    );
    expect(result.chunks).toBe(1);
    expect(result.chunkResults).toHaveLength(parts);
    expect(result.completion?.totals).toEqual({ stored: PER_DAY, duplicates: 0, conflicts: 0 });
    expect(now.pagesRead()).toBe(0);
    expect((await readSummary(table.current, 'P-day', 'DEV-1', BASE_DAY))?.inputs.events).toBe(PER_DAY);
  }, 60_000);

  it('catches up with what another dump commits on the day between two of its parts, exactly once', async () => {
    const events = dayEvents(BASE_DAY, 1, { perDay: 12 * PART_EVENTS });
    // The other dump holds every third event of the same day: identical bytes, so duplicates.
    const other = events.filter((_, i) => i % 3 === 0);
    let commits = 0;
    let injected = false;
    const client = interceptedClient(async (name, args, next) => {
      const result = await next(args);
      const input = args.input as { TransactItems?: { Put?: { Item?: { sk?: { S?: string } } } }[] };
      const isCommit = input.TransactItems?.some((item) => item.Put?.Item?.sk?.S?.startsWith('CHUNK#'));
      if (name === 'TransactWriteItemsCommand' && isCommit && ++commits === 3 && !injected) {
        injected = true;
        const interloper = await ingestInProcess(
          { ...deps(table.current), now: NOW },
          ref(),
          decodedDump(other, { patientId: 'P-shared' }),
          UPLOADED,
        );
        // It finds the first three parts stored and stores the rest of its events.
        expect(interloper.completion?.totals.duplicates).toBe(1_000);
      }
      return result;
    });
    const result = await ingestInProcess(
      { ...deps(table.current, { dynamodb: client }), now: NOW, maxChunkEvents: PART_EVENTS },
      ref(),
      decodedDump(events, { patientId: 'P-shared' }),
      UPLOADED,
    );
    expect(injected).toBe(true);
    expect(result.completion?.totals).toEqual({
      stored: events.length - (other.length - 1_000),
      duplicates: other.length - 1_000,
      conflicts: 0,
    });
    expect((await readSummary(table.current, 'P-shared', 'DEV-1', BASE_DAY))?.inputs.events).toBe(
      events.length,
    );
  }, 60_000);
});

describe('writeChunks for a day message', () => {
  const table = useTestTable({ prefix: 'dense-app' });
  const local = useLocalS3Sqs();

  function appDeps(extra: Partial<WriteChunksDeps> = {}): WriteChunksDeps {
    const { s3, sqs, services } = local.current;
    return {
      dynamodb: table.current.dynamodb,
      s3,
      sqs,
      fanoutQueueUrl: services.queues.fanout.url,
      tableName: table.current.tableName,
      saltBuckets: 4,
      ...extra,
    };
  }

  async function stage(plan: FanOutPlan): Promise<void> {
    const { s3 } = local.current;
    const { PutObjectCommand, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new CreateBucketCommand({ Bucket: 'dense-bucket' })).catch(() => undefined);
    for (const staged of plan.staged) {
      await s3.send(new PutObjectCommand({ Bucket: staged.bucket, Key: staged.key, Body: staged.body }));
    }
  }

  it('hands the parts it has no time for on as a new message, and a redelivery commits nothing twice', async () => {
    const events = dayEvents(BASE_DAY, 1, { perDay: 10 * PART_EVENTS });
    const { dumpRef, plan } = await started(table.current, events, 'P-app');
    await stage(plan);
    const body = plan.messages[0]!.body;

    // Time runs short after three parts.
    let calls = 0;
    const first = await writeChunks(appDeps({ timeLeft: () => (++calls <= 2 ? 60_000 : 1_000) }), body);
    expect(first.results).toHaveLength(3);
    expect(first.handedOn).toBe(7);
    const { sqs, services } = local.current;
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: services.queues.fanout.url, MaxNumberOfMessages: 10 }),
    );
    expect(received.Messages).toHaveLength(1);
    const rest = decodeFanOutMessage(received.Messages![0]!.Body!);
    expect(rest.kind === 'day' && rest.day.parts).toEqual([3, 4, 5, 6, 7, 8, 9]);

    const second = await writeChunks(appDeps(), received.Messages![0]!.Body!);
    expect(second.results.map((r) => r.alreadyCommitted)).toEqual(Array(7).fill(false));
    expect(second.results.at(-1)?.completion?.totals).toEqual({
      stored: 10_000,
      duplicates: 0,
      conflicts: 0,
    });

    // The first message is redelivered (its ack was lost): every part is found committed.
    const again = await writeChunks(appDeps(), body);
    expect(again.results.map((r) => r.alreadyCommitted)).toEqual(Array(10).fill(true));
    expect(again.handedOn).toBe(0);
    expect(await readLedgerOf(table.current, dumpRef)).toMatchObject({ status: 'COMPLETE' });
  }, 30_000);

  it('says which staged object is missing, naming no patient', async () => {
    const events = dayEvents(BASE_DAY + 1, 1, { perDay: 5 * PART_EVENTS });
    const { plan } = await started(table.current, events, 'P-missing');
    await stage({ ...plan, staged: [] });
    const error = await writeChunks(appDeps(), plan.messages[0]!.body).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StagedDayMissingError);
    expect((error as StagedDayMissingError).code).toBe('E_STAGED_DAY_MISSING');
    expect(String(error)).toContain(plan.staged[0]!.key);
    expect(String(error)).not.toContain('P-missing');
  });

  it('refuses a staged object that does not hold the parts the message names', async () => {
    const events = dayEvents(BASE_DAY + 2, 1, { perDay: 5 * PART_EVENTS });
    const { plan } = await started(table.current, events, 'P-replaced');
    const [staged] = plan.staged;
    const chunks = decodeStagedDay(staged!.body).slice(0, 2);
    const { s3 } = local.current;
    const { PutObjectCommand, CreateBucketCommand } = await import('@aws-sdk/client-s3');
    await s3.send(new CreateBucketCommand({ Bucket: 'dense-bucket' })).catch(() => undefined);
    await s3.send(
      new PutObjectCommand({
        Bucket: staged!.bucket,
        Key: staged!.key,
        Body: staged!.body.toString().split('\n').slice(0, chunks.length).join('\n'),
      }),
    );
    await expect(writeChunks(appDeps(), plan.messages[0]!.body)).rejects.toThrow(
      /holds no part 2 of its dense day/,
    );
    // The message left its chunk ids decodable for the DLQ: a day, not patient data.
    expect(() => decodeChunkMessage(plan.messages[0]!.body)).toThrow();
  });
});
