import {
  GetItemCommand,
  PutItemCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { DumpEvent } from '../../../lambdas/core/dump/types';
import type { ChunkMessage } from '../../../lambdas/core/storage/chunk-message';
import { DayBusyError } from '../../../lambdas/core/storage/errors';
import { addHash, emptyFingerprint, fingerprintsEqual } from '../../../lambdas/core/storage/fingerprint';
import { daySeed, eventHash, type Hash128 } from '../../../lambdas/core/storage/hash';
import { readLedger } from '../../../lambdas/core/ledger';
import { DAY_LEASE_SK, dayPk } from '../../../lambdas/core/storage/keys';
import {
  writeChunk,
  type WriteChunkDeps,
  type WriteChunkResult,
} from '../../../lambdas/core/storage/write-chunk';
import { at, BASE_DAY, dayEvents, MS_PER_DAY, seededRandom } from '../../factories/events';
import { StoreOracle } from '../support/oracle';
import { readDayPages, readSummary, type StoredEvent } from '../support/storage';
import { startDump } from '../support/dumps';
import { useTestTable, type TestTable } from '../support/table';
import { interceptedClient } from '../support/intercepted-client';

const NOW = at(BASE_DAY + 30);
const UPLOADED = NOW - 5_000;
const noWait = { sleep: async () => undefined, random: () => 0.5 };

/** The parser's half for one dump (claim, settle, plan, start), as the parser Lambda runs it; the chunk messages as SQS delivers them. */
async function parse(
  table: TestTable,
  events: readonly DumpEvent[],
  options: { patientId: string; maxChunkEvents?: number },
): Promise<ChunkMessage[]> {
  return (await startDump(table, events, { ...options, now: NOW, uploadedAt: UPLOADED })).messages;
}

function deps(table: TestTable, extra: Partial<WriteChunkDeps> = {}): WriteChunkDeps {
  return { dynamodb: table.dynamodb, tableName: table.tableName, saltBuckets: SALT_BUCKETS, ...extra };
}

const SALT_BUCKETS = 4;

/** The day's stored events, from its page partitions (a scan of the whole table grows with every test). */
async function storedOf(table: TestTable, patientId: string, dayNumber: number): Promise<StoredEvent[]> {
  return (await readDayPages(table, patientId, 'DEV-1', dayNumber, SALT_BUCKETS)).events;
}

const identity = (patientId: string, e: { timestamp: number; seq: number; type: number }) =>
  StoreOracle.identity(patientId, 'DEV-1', e as DumpEvent);

/** The day's bookkeeping agrees with its stored events: count, pages, fingerprint; returns the version. */
async function expectConsistentDay(table: TestTable, patientId: string, dayNumber: number): Promise<number> {
  const stored = await storedOf(table, patientId, dayNumber);
  const ids = new Set(stored.map((e) => identity(patientId, e)));
  expect(ids.size).toBe(stored.length);
  const summary = await readSummary(table, patientId, 'DEV-1', dayNumber);
  expect(summary?.inputs.events).toBe(stored.length);
  const pages = await readDayPages(table, patientId, 'DEV-1', dayNumber, SALT_BUCKETS);
  expect(pages.identities).toHaveLength(stored.length);
  expect(pages.pages).toBe(summary?.pages);
  const fp = emptyFingerprint();
  const seed = daySeed(patientId, 'DEV-1', dayNumber);
  const hash: Hash128 = [0, 0, 0, 0];
  for (const e of stored) {
    const ms = e.timestamp - dayNumber * MS_PER_DAY;
    addHash(fp, eventHash(ms, e.seq, e.type, e.flags, e.value, e.duration, seed, hash));
  }
  expect(fingerprintsEqual(fp, summary!.fingerprint)).toBe(true);
  // The lease is gone once the day is committed.
  const lock = await table.dynamodb.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: { pk: { S: dayPk(dayNumber, patientId, 'DEV-1') }, sk: { S: DAY_LEASE_SK } },
      ConsistentRead: true,
    }),
  );
  expect(lock.Item).toBeUndefined();
  return summary!.version;
}

const sum = (results: readonly WriteChunkResult[], pick: (r: WriteChunkResult) => number) =>
  results.reduce((total, r) => total + pick(r), 0);

/** The commit transaction (outcome, event pages, summary, lease release), not the lease's. */
function isCommit(commandName: string, args: { input: unknown }): boolean {
  if (commandName !== 'TransactWriteItemsCommand') return false;
  const items = (args.input as TransactWriteItemsCommandInput).TransactItems ?? [];
  return items.some((item) => item.Delete !== undefined);
}

describe('planFanOut (empty-day hint)', () => {
  const table = useTestTable({ prefix: 'hint' });

  it('marks exactly the days that have no summary', async () => {
    const patientId = 'P-hint';
    const events = dayEvents(BASE_DAY, 3, { perDay: 10 });
    // Day 0 fully stored (settled), day 1 partly stored (goes to a worker), day 2 never stored.
    for (const chunk of await parse(table.current, events.slice(0, 15), { patientId })) {
      await writeChunk(deps(table.current), chunk);
    }
    const chunks = await parse(table.current, events, { patientId });
    expect(chunks.map((c) => [c.dayNumber - BASE_DAY, c.dayWasEmpty ?? false])).toEqual([
      [1, false],
      [2, true],
    ]);
  });
});

describe('writeChunk fast path (empty-day hint)', () => {
  const table = useTestTable({ prefix: 'fast-path' });

  it('writes a day nobody has stored with no read unit at all', async () => {
    const patientId = 'P-empty';
    const chunks = await parse(table.current, dayEvents(BASE_DAY, 3, { perDay: 40 }), { patientId });
    expect(chunks.map((c) => c.dayWasEmpty)).toEqual([true, true, true]);
    const results: WriteChunkResult[] = [];
    for (const chunk of chunks) results.push(await writeChunk(deps(table.current), chunk));

    for (const result of results) {
      expect(result).toMatchObject({ fastPath: true, alreadyCommitted: false, commitAttempts: 1 });
      expect(result.outcome).toEqual({ records: 40, stored: 40, duplicates: 0, conflicts: 0 });
    }
    // Only the completing chunk reads: the Query that totals the dump's chunk outcomes.
    expect(results.slice(0, 2).map((r) => r.capacity.readUnits)).toEqual([0, 0]);
    expect(results[2]!.completion?.totals).toEqual({ stored: 120, duplicates: 0, conflicts: 0 });
    expect(results[2]!.capacity.readUnits).toBeLessThanOrEqual(1);
    for (let d = 0; d < 3; d++)
      expect(await expectConsistentDay(table.current, patientId, BASE_DAY + d)).toBe(1);
  });

  it('falls back to the stored pages when another dump stored the day after the parser looked (stale hint)', async () => {
    const patientId = 'P-stale';
    const oracle = new StoreOracle(NOW);
    const day = dayEvents(BASE_DAY, 1, { perDay: 60, random: seededRandom(3) });
    // A's copies of the shared identities differ in content; B stores first, so B's content wins.
    const dumpA = [
      ...day.slice(0, 40).map((e, i) => (i >= 20 && i % 2 === 0 ? { ...e, value: e.value + 1 } : e)),
    ];
    const dumpB = day.slice(20, 60);

    const [chunkA] = await parse(table.current, dumpA, { patientId });
    expect(chunkA?.dayWasEmpty).toBe(true);
    const [chunkB] = await parse(table.current, dumpB, { patientId });
    expect(chunkB?.dayWasEmpty).toBe(true);
    const resultB = await writeChunk(deps(table.current), chunkB!);
    expect(resultB.fastPath).toBe(true);
    const expectedB = oracle.ingest(patientId, 'DEV-1', dumpB);

    const resultA = await writeChunk(deps(table.current), chunkA!);
    const expectedA = oracle.ingest(patientId, 'DEV-1', dumpA);
    expect(resultA.fastPath).toBe(false);
    expect(resultA.capacity.readUnits).toBeGreaterThan(0);
    const outcomeOf = (expected: typeof expectedA) => ({
      records: 40,
      stored: expected.stored,
      duplicates: expected.duplicates,
      conflicts: expected.conflicts,
    });
    expect(resultA.outcome).toEqual(outcomeOf(expectedA));
    expect(resultB.outcome).toEqual(outcomeOf(expectedB));
    expect(expectedA.conflicts).toBeGreaterThan(0);

    const stored = await storedOf(table.current, patientId, BASE_DAY);
    expect(stored).toHaveLength(oracle.stored.size);
    for (const e of stored) {
      const reference = oracle.stored.get(identity(patientId, e))!;
      expect({ flags: e.flags, value: e.value, duration: e.duration }).toEqual({
        flags: reference.flags,
        value: reference.value,
        duration: reference.duration,
      });
    }
    expect(await expectConsistentDay(table.current, patientId, BASE_DAY)).toBe(2);
  });

  it('stores each identity once when two hinted chunks of one empty day race', async () => {
    const patientId = 'P-race';
    const day = dayEvents(BASE_DAY + 1, 1, { perDay: 120, random: seededRandom(11) });
    const dumpA = [...day.slice(0, 80), ...day.slice(0, 10).map((e) => ({ ...e, flags: e.flags + 9 }))];
    const dumpB = day.slice(40, 120).map((e, i) => (i % 3 === 0 ? { ...e, duration: e.duration + 1 } : e));
    const [chunkA] = await parse(table.current, dumpA, { patientId });
    const [chunkB] = await parse(table.current, dumpB, { patientId });
    expect([chunkA?.dayWasEmpty, chunkB?.dayWasEmpty]).toEqual([true, true]);

    const results = await Promise.all(
      [chunkA!, chunkB!].map((chunk) => writeChunk(deps(table.current), chunk)),
    );

    // One of them found the day empty under the lease; the other found the summary and deduped.
    expect(results.map((r) => r.fastPath).sort()).toEqual([false, true]);
    const union = new Set([...dumpA, ...dumpB].map((e) => identity(patientId, e)));
    const stored = await storedOf(table.current, patientId, BASE_DAY + 1);
    expect(stored).toHaveLength(union.size);
    expect(sum(results, (r) => r.outcome.stored)).toBe(union.size);
    expect(sum(results, (r) => r.outcome.duplicates)).toBe(dumpA.length + dumpB.length - union.size);
    const byIdentity = new Map(stored.map((e) => [identity(patientId, e), e]));
    let conflicts = 0;
    for (const e of [...dumpA, ...dumpB]) {
      const s = byIdentity.get(identity(patientId, e))!;
      if (s.flags !== e.flags || s.value !== e.value || s.duration !== e.duration) conflicts++;
    }
    expect(sum(results, (r) => r.outcome.conflicts)).toBe(conflicts);
    expect(await expectConsistentDay(table.current, patientId, BASE_DAY + 1)).toBe(2);
  });

  it('takes the fast path for the first part of a split day only; later parts see its summary', async () => {
    const patientId = 'P-split';
    const chunks = await parse(table.current, dayEvents(BASE_DAY + 2, 1, { perDay: 50 }), {
      patientId,
      maxChunkEvents: 17,
    });
    expect(chunks.map((c) => [c.chunkId.slice(-2), c.dayWasEmpty])).toEqual([
      ['-0', true],
      ['-1', true],
      ['-2', true],
    ]);
    const results: WriteChunkResult[] = [];
    for (const chunk of chunks) results.push(await writeChunk(deps(table.current), chunk));
    expect(results.map((r) => r.fastPath)).toEqual([true, false, false]);
    expect(results[0]!.capacity.readUnits).toBe(0);
    expect(results.map((r) => r.outcome.stored)).toEqual([17, 17, 16]);
    expect(results[2]!.completion?.totals).toEqual({ stored: 50, duplicates: 0, conflicts: 0 });
    expect(await expectConsistentDay(table.current, patientId, BASE_DAY + 2)).toBe(3);
  });

  it('keeps a split day exact when its parts run at the same time', async () => {
    const patientId = 'P-split-race';
    const chunks = await parse(table.current, dayEvents(BASE_DAY + 3, 1, { perDay: 60 }), {
      patientId,
      maxChunkEvents: 15,
    });
    expect(chunks).toHaveLength(4);
    const results = await Promise.all(chunks.map((chunk) => writeChunk(deps(table.current), chunk)));
    expect(results.filter((r) => r.fastPath)).toHaveLength(1);
    expect(sum(results, (r) => r.outcome.stored)).toBe(60);
    expect(results.filter((r) => r.completion)).toHaveLength(1);
    expect(await expectConsistentDay(table.current, patientId, BASE_DAY + 3)).toBe(4);
  });

  it('is a no-op for a hinted chunk redelivered after its dump completed', async () => {
    const patientId = 'P-redeliver';
    const [chunk] = await parse(table.current, dayEvents(BASE_DAY + 4, 1, { perDay: 30 }), { patientId });
    const first = await writeChunk(deps(table.current), chunk!);
    expect(first.fastPath).toBe(true);
    expect(first.completion?.totals.stored).toBe(30);

    const again = await writeChunk(deps(table.current), chunk!);
    expect(again).toMatchObject({ alreadyCommitted: true, fastPath: false, commitAttempts: 0 });
    expect(again.outcome).toEqual(first.outcome);
    expect(again.completion).toBeUndefined();
    expect(await storedOf(table.current, patientId, BASE_DAY + 4)).toHaveLength(30);
    expect(await expectConsistentDay(table.current, patientId, BASE_DAY + 4)).toBe(1);
    expect(await readLedger(table.current, chunk!.dumpId)).toMatchObject({
      status: 'COMPLETE',
      totals: { stored: 30, duplicates: 0, conflicts: 0 },
    });
  });

  it('counts once after a worker died at its commit, leaving its lease', async () => {
    const patientId = 'P-crash';
    const [chunk] = await parse(table.current, dayEvents(BASE_DAY + 5, 1, { perDay: 120 }), { patientId });
    // The first worker dies at its commit and never releases its lease.
    let dead = false;
    const dying = interceptedClient(async (name, args, next) => {
      if (isCommit(name, args)) dead = true;
      if (dead) throw new Error('injected crash before the commit');
      return next(args);
    });
    await expect(
      writeChunk(deps(table.current, { dynamodb: dying, timing: noWait }), chunk!),
    ).rejects.toThrow('injected crash');
    dying.destroy();
    // Nothing is written outside the commit: the dead worker left its lease and nothing else.
    expect(await storedOf(table.current, patientId, BASE_DAY + 5)).toHaveLength(0);
    expect(await readSummary(table.current, patientId, 'DEV-1', BASE_DAY + 5)).toBeUndefined();

    // The redelivery comes after the lease expired; the day is still empty, so the fast path holds.
    const later = () => Date.now() + 200_000;
    const retry = await writeChunk(deps(table.current, { clock: later }), chunk!);
    expect(retry).toMatchObject({ fastPath: true, alreadyCommitted: false });
    expect(retry.outcome).toEqual({ records: 120, stored: 120, duplicates: 0, conflicts: 0 });
    expect(retry.completion?.totals).toEqual({ stored: 120, duplicates: 0, conflicts: 0 });
    expect(await storedOf(table.current, patientId, BASE_DAY + 5)).toHaveLength(120);
    expect(await expectConsistentDay(table.current, patientId, BASE_DAY + 5)).toBe(1);
  });

  it('waits for a held lease rather than mistaking it for a stored day, then hands the chunk back', async () => {
    const patientId = 'P-busy';
    const [chunk] = await parse(table.current, dayEvents(BASE_DAY + 6, 1, { perDay: 5 }), { patientId });
    await table.current.dynamodb.send(
      new PutItemCommand({
        TableName: table.current.tableName,
        Item: {
          pk: { S: dayPk(BASE_DAY + 6, patientId, 'DEV-1') },
          sk: { S: DAY_LEASE_SK },
          owner: { S: 'another-worker' },
          expiresAt: { N: String(Number.MAX_SAFE_INTEGER) },
        },
      }),
    );
    let now = 0;
    const timing = { sleep: async (ms: number) => void (now += ms), random: () => 0.5 };
    const sent: string[] = [];
    const counting = interceptedClient(async (name, args, next) => {
      sent.push(name);
      return next(args);
    });
    const failure = await writeChunk(
      deps(table.current, { dynamodb: counting, clock: () => now, timing, dayLeaseWaitMs: 2_000 }),
      chunk!,
    ).catch((error: unknown) => error);
    counting.destroy();
    expect(failure).toBeInstanceOf(DayBusyError);
    expect(now).toBeGreaterThanOrEqual(2_000);
    // Every attempt was the conditional lease: the held lease was never read as "the day is stored".
    expect(new Set(sent)).toEqual(new Set(['TransactWriteItemsCommand']));
    expect(sent.length).toBeGreaterThan(1);
    expect(await storedOf(table.current, patientId, BASE_DAY + 6)).toHaveLength(0);
  });

  it('commits a hinted chunk delivered twice at the same time exactly once', async () => {
    const patientId = 'P-ledger';
    const [chunk] = await parse(table.current, dayEvents(BASE_DAY + 7, 1, { perDay: 8 }), { patientId });
    const [first, second] = await Promise.all([
      writeChunk(deps(table.current), chunk!),
      writeChunk(deps(table.current), chunk!),
    ]);
    // Two deliveries of one chunk at once: exactly one commit, counted once.
    expect([first!.alreadyCommitted, second!.alreadyCommitted].sort()).toEqual([false, true]);
    expect(sum([first!, second!], (r) => (r.alreadyCommitted ? 0 : r.outcome.stored))).toBe(8);
    expect(await storedOf(table.current, patientId, BASE_DAY + 7)).toHaveLength(8);
    expect((await readLedger(table.current, chunk!.dumpId))?.totals).toEqual({
      stored: 8,
      duplicates: 0,
      conflicts: 0,
    });
    expect(await expectConsistentDay(table.current, patientId, BASE_DAY + 7)).toBe(1);
  });
});
