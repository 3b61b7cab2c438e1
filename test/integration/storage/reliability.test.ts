import {
  DynamoDBClient,
  TransactionCanceledException,
  TransactionConflictException,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { claimDump, readLedgerOf } from '../../../lambdas/core/ledger';
import { decodeChunkMessage } from '../../../lambdas/core/storage/chunk-message';
import { chunkWithOwner } from '../../../lambdas/core/storage/chunk-owner';
import { ingestInProcess } from '../../../lambdas/core/storage/in-process';
import type { DumpRef } from '../../../lambdas/core/storage/keys';
import { planFanOut } from '../../../lambdas/core/storage/plan-fan-out';
import { writeChunk, type WriteChunkDeps } from '../../../lambdas/core/storage/write-chunk';
import { at, BASE_DAY, dayEvents, decodedDump, event } from '../../factories/events';
import { startDump } from '../support/dumps';
import { interceptedClient } from '../support/intercepted-client';
import { readDayPages, readSummary } from '../support/storage';
import { useTestTable, type TestTable } from '../support/table';

/**
 * The sequences AWS allows that the storage core must survive, each reproduced deterministically
 * (issue 12's list; docs/reliability.md maps each to its guarantee).
 */

const NOW = at(BASE_DAY + 30);
const UPLOADED = NOW - 5_000;
const noWait = { sleep: async () => undefined, random: () => 0.5 };
let counter = 0;
const ref = (): DumpRef => ({ bucket: 'b', key: `reliability-${++counter}`, version: 'v' });

function deps(table: TestTable, extra: Partial<WriteChunkDeps> = {}): WriteChunkDeps {
  return { dynamodb: table.dynamodb, tableName: table.tableName, saltBuckets: 4, timing: noWait, ...extra };
}

const transactItems = (args: { input: unknown }) =>
  (args.input as TransactWriteItemsCommandInput).TransactItems ?? [];

/** A transaction cancelled by another one on the same items, as DynamoDB reports it. */
function conflicted(items: number): TransactionCanceledException {
  return new TransactionCanceledException({
    message: 'Transaction cancelled (injected)',
    $metadata: {},
    CancellationReasons: Array.from({ length: items }, (_, i) => ({
      Code: i === 0 ? 'TransactionConflict' : 'None',
    })),
  });
}

describe('re-driving a dump (defect 1: planned chunks dropped on a re-drive)', () => {
  const table = useTestTable({ prefix: 'redrive' });

  it('sends a planned chunk whose day another dump stored in full meanwhile, and completes', async () => {
    const events = dayEvents(BASE_DAY, 2, { perDay: 20 });
    const dump = decodedDump(events, { patientId: 'P-redrive' });
    const original = ref();
    // The parser claims, plans and starts the dump, then dies before sending any chunk.
    const claim = await claimDump(table.current, original, { uploadedAt: UPLOADED, now: NOW });
    const plan = await planFanOut(table.current, claim.ledger, dump);
    expect(plan.messages).toHaveLength(2);
    // Meanwhile the same bytes arrive under another key and are stored in full.
    const copy = await ingestInProcess({ ...deps(table.current), now: NOW }, ref(), dump, UPLOADED);
    expect(copy.completion?.totals.stored).toBe(40);

    // The notification is redelivered: both days are settled now, but both chunks are planned.
    const redriven = await ingestInProcess({ ...deps(table.current), now: NOW }, original, dump, UPLOADED);
    expect(redriven.claim).toBe('redrive');
    expect(redriven.chunks).toBe(2);
    expect(redriven.completion?.totals).toEqual({ stored: 0, duplicates: 40, conflicts: 0 });
    expect(await readLedgerOf(table.current, original)).toMatchObject({ status: 'COMPLETE' });
  });
});

describe('starting a dump (defect 2: a cancelled start taken for "already started")', () => {
  const table = useTestTable({ prefix: 'start' });

  it('tries again when the start transaction meets a concurrent one, and sends every chunk', async () => {
    let conflicts = 0;
    const client = interceptedClient(async (name, args, next) => {
      const first = transactItems(args)[0];
      if (name === 'TransactWriteItemsCommand' && first?.Update && conflicts < 2) {
        conflicts++;
        throw conflicted(transactItems(args).length);
      }
      return next(args);
    });
    const result = await ingestInProcess(
      { ...deps(table.current, { dynamodb: client }), now: NOW },
      ref(),
      decodedDump(dayEvents(BASE_DAY, 2, { perDay: 10 }), { patientId: 'P-start' }),
      UPLOADED,
    );
    client.destroy();
    expect(conflicts).toBe(2);
    expect(result.chunks).toBe(2);
    expect(result.completion?.totals.stored).toBe(20);
  });

  it('lets two copies of one notification start the dump once and both send its chunks', async () => {
    const dump = decodedDump(dayEvents(BASE_DAY + 1, 3, { perDay: 10 }), { patientId: 'P-twice' });
    const object = ref();
    const claims = await Promise.all([
      claimDump(table.current, object, { uploadedAt: UPLOADED, now: NOW }),
      claimDump(table.current, object, { uploadedAt: UPLOADED, now: NOW }),
    ]);
    expect(claims.map((c) => c.kind).sort()).toEqual(['claimed', 'redrive']);
    expect(claims[0].ledger.dumpId).toBe(claims[1].ledger.dumpId);
    const plans = await Promise.all(claims.map((claim) => planFanOut(table.current, claim.ledger, dump)));
    expect(plans.map((plan) => plan.started.kind).sort()).toEqual(['already-started', 'started']);
    // Whoever lost sends what is pending: here, everything, since nothing was committed yet.
    expect(plans.map((plan) => plan.messages.length)).toEqual([3, 3]);
  });
});

describe('the day lease under transaction conflicts (defect 3)', () => {
  const table = useTestTable({ prefix: 'lease' });

  it('treats a lease poll that meets a transaction as "busy" and tries again', async () => {
    const [chunk] = (
      await startDump(table.current, dayEvents(BASE_DAY, 1, { perDay: 12 }), {
        patientId: 'P-poll',
        now: NOW,
      })
    ).messages;
    let conflicts = 0;
    const client = interceptedClient(async (name, args, next) => {
      if (name === 'PutItemCommand' && conflicts < 3 && JSON.stringify(args.input).includes('"LOCK"')) {
        conflicts++;
        throw new TransactionConflictException({ message: 'injected', $metadata: {} });
      }
      return next(args);
    });
    // Not hinted as empty: the plain lease (a PutItem) is taken.
    const result = await writeChunk(deps(table.current, { dynamodb: client }), {
      ...chunk!,
      dayWasEmpty: false,
    });
    client.destroy();
    expect(conflicts).toBe(3);
    expect(result.outcome.stored).toBe(12);
  });

  it('does not fail a chunk because releasing its lease met a transaction', async () => {
    const events = dayEvents(BASE_DAY + 2, 1, { perDay: 8 });
    const [chunk] = (await startDump(table.current, events, { patientId: 'P-release', now: NOW })).messages;
    // The first commit is cancelled by a failed condition (someone else committed): the worker
    // releases its lease and tries again; that release meets a transaction every time.
    let commits = 0;
    const client = interceptedClient(async (name, args, next) => {
      if (
        name === 'TransactWriteItemsCommand' &&
        transactItems(args).some((item) => item.Delete) &&
        commits++ === 0
      ) {
        throw new TransactionCanceledException({
          message: 'injected',
          $metadata: {},
          CancellationReasons: [
            { Code: 'None' },
            { Code: 'None' },
            { Code: 'ConditionalCheckFailed' },
            { Code: 'None' },
          ],
        });
      }
      if (name === 'DeleteItemCommand')
        throw new TransactionConflictException({ message: 'injected', $metadata: {} });
      return next(args);
    });
    const result = await writeChunk(deps(table.current, { dynamodb: client }), chunk!);
    client.destroy();
    expect(result.outcome.stored).toBe(8);
  });

  it("keeps its lease and commits when pollers' requests cancel its commit again and again", async () => {
    const [chunk] = (
      await startDump(table.current, dayEvents(BASE_DAY + 3, 1, { perDay: 9 }), {
        patientId: 'P-commit',
        now: NOW,
      })
    ).messages;
    let cancelled = 0;
    const client = interceptedClient(async (name, args, next) => {
      const items = transactItems(args);
      if (name === 'TransactWriteItemsCommand' && items.some((item) => item.Delete) && cancelled < 12) {
        cancelled++;
        // The lease Delete (the last item) met a waiter's PutItem on the lease.
        throw new TransactionCanceledException({
          message: 'injected',
          $metadata: {},
          CancellationReasons: items.map((_, i) => ({
            Code: i === items.length - 1 ? 'TransactionConflict' : 'None',
          })),
        });
      }
      return next(args);
    });
    const result = await writeChunk(deps(table.current, { dynamodb: client }), chunk!);
    client.destroy();
    expect(cancelled).toBe(12);
    expect(result).toMatchObject({ outcome: { stored: 9 }, commitAttempts: 1 });
  });
});

describe('reading a day that is not a snapshot (defect 4)', () => {
  const table = useTestTable({ prefix: 'snapshot' });

  it('classifies against the pages the summary it read counts, even if a commit lands in between', async () => {
    const patientId = 'P-snapshot';
    const day = BASE_DAY + 4;
    const first = dayEvents(day, 1, { perDay: 10 });
    for (const chunk of (await startDump(table.current, first, { patientId, now: NOW })).messages) {
      await writeChunk(deps(table.current), chunk);
    }
    // Two more dumps of the day: B holds new identities, A holds B's and its own.
    const onlyB = [
      event({ timestamp: at(day, 50_000_000), seq: 900 }),
      event({ timestamp: at(day, 50_000_001), seq: 901 }),
    ];
    const onlyA = [event({ timestamp: at(day, 60_000_000), seq: 902 })];
    const [chunkB] = (await startDump(table.current, [...first, ...onlyB], { patientId, now: NOW })).messages;
    const [chunkA] = (await startDump(table.current, [...first, ...onlyB, ...onlyA], { patientId, now: NOW }))
      .messages;
    // A reads the summary; B commits before A reads the pages.
    let interleaved = false;
    const client = interceptedClient(async (name, args, next) => {
      const result = await next(args);
      if (name === 'GetItemCommand' && !interleaved && JSON.stringify(args.input).includes('DAY#')) {
        interleaved = true;
        await writeChunk(deps(table.current), chunkB!);
      }
      return result;
    });
    const a = await writeChunk(deps(table.current, { dynamodb: client }), chunkA!);
    client.destroy();
    expect(interleaved).toBe(true);
    // A stored only its own new event; B's two are duplicates, not stored twice.
    expect(a.outcome).toEqual({ records: 13, stored: 1, duplicates: 12, conflicts: 0 });
    const summary = await readSummary(table.current, patientId, 'DEV-1', day);
    expect(summary?.inputs.events).toBe(13);
    expect((await readDayPages(table.current, patientId, 'DEV-1', day, 4)).events).toHaveLength(13);
  });
});

describe('very large plans (defect 7: the plan and the done set past 400 KB)', () => {
  const table = useTestTable({ prefix: 'plans' });

  it('starts a dump of 40,000 chunks (one far-future event a day) and reads its plan back', async () => {
    const firstDay = 3_000_000; // year 10,183: valid, since createdAt is not validated
    const events = Array.from({ length: 40_000 }, (_, i) =>
      event({ timestamp: at(firstDay + i, 1_000), seq: i }),
    );
    const dump = decodedDump(events, { patientId: 'P-plan', createdAt: at(firstDay + 40_000) });
    const claim = await claimDump(table.current, ref(), { uploadedAt: UPLOADED, now: NOW });
    const plan = await planFanOut(table.current, claim.ledger, dump);
    expect(plan.started.kind).toBe('started');
    expect(plan.messages).toHaveLength(40_000);
    const ledger = await readLedgerOf(table.current, { ...claim.ledger });
    expect(ledger).toMatchObject({ status: 'PROCESSING', chunksExpected: 40_000, done: 0 });

    // A re-drive reads the stored plan back: every chunk is pending.
    const again = await planFanOut(table.current, claim.ledger, dump);
    expect(again.started.kind).toBe('already-started');
    expect(again.messages.map((m) => m.chunkId)).toEqual(plan.messages.map((m) => m.chunkId));

    // Two chunks commit and are counted; the count lives in a number, not a growing set.
    for (const body of plan.messages.slice(0, 2).map((m) => m.body)) {
      await writeChunk(deps(table.current), await chunkWithOwner(table.current, decodeChunkMessage(body)));
    }
    expect(await readLedgerOf(table.current, { ...claim.ledger })).toMatchObject({ done: 2 });
  }, 120_000);
});

afterAll(() => new DynamoDBClient({}).destroy());
