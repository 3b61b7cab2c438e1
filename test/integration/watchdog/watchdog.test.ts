import { recomputeKpis } from '../../../lambdas/core/kpi/recompute';
import { claimDump, readLedger, type LedgerEntry, type WatchSettings } from '../../../lambdas/core/ledger';
import { readKpis } from '../../../lambdas/core/storage/read-events';
import { writeChunk } from '../../../lambdas/core/storage/write-chunk';
import { runWatchdog } from '../../../lambdas/core/watchdog/watchdog';
import { at, BASE_DAY, dayEvents } from '../../factories/events';
import { startDump } from '../support/dumps';
import { interceptedClient } from '../support/intercepted-client';
import { useTestTable, type TestTable } from '../support/table';

const NOW = at(BASE_DAY + 30);
const WATCH: WatchSettings = { deadlineMs: 60_000, kpiGraceMs: 30_000, maxRedrives: 2 };
const noWait = { sleep: async () => undefined, random: () => 0.5 };
let counter = 0;

function watchdog(table: TestTable, clock: () => number, redriven: LedgerEntry[]) {
  return runWatchdog({
    dynamodb: table.dynamodb,
    tableName: table.tableName,
    watch: WATCH,
    clock,
    redrive: async (ledger) => void redriven.push(ledger),
  });
}

describe('runWatchdog', () => {
  const table = useTestTable({ prefix: 'watchdog' });

  it('re-drives a dump past its deadline, once per run, and fails it after maxRedrives', async () => {
    // The parser claimed the dump and died: it stays RECEIVED.
    const ref = { bucket: 'b', key: `stuck-${++counter}`, version: 'v' };
    const { ledger } = await claimDump(table.current, ref, {
      uploadedAt: NOW,
      now: NOW,
      deadlineMs: WATCH.deadlineMs,
    });
    const redriven: LedgerEntry[] = [];
    const before = await watchdog(table.current, () => NOW + 59_000, redriven);
    expect(before).toMatchObject({ stuck: 0, redriven: 0 });

    // Two runs at once past the deadline re-drive it once.
    const [a, b] = await Promise.all([
      watchdog(table.current, () => NOW + 61_000, redriven),
      watchdog(table.current, () => NOW + 61_000, redriven),
    ]);
    expect(a.redriven + b.redriven).toBe(1);
    expect(redriven.map((l) => l.dumpId)).toEqual([ledger.dumpId]);
    expect(await readLedger(table.current, ledger.dumpId)).toMatchObject({
      status: 'RECEIVED',
      redrives: 1,
      due: NOW + 61_000 + WATCH.deadlineMs,
    });

    await watchdog(table.current, () => NOW + 200_000, redriven);
    const last = await watchdog(table.current, () => NOW + 400_000, redriven);
    expect(last).toMatchObject({ stuck: 1, failed: 1, redriven: 0 });
    const failed = await readLedger(table.current, ledger.dumpId);
    expect(failed).toMatchObject({ status: 'FAILED', code: 'E_STUCK', redrives: 2 });
    expect(failed?.watch).toBeUndefined();
    expect(await watchdog(table.current, () => NOW + 900_000, redriven)).toMatchObject({ stuck: 0 });
  }, 30_000);

  it('completes a dump whose every chunk committed but whose count a crash left short', async () => {
    const started = await startDump(table.current, dayEvents(BASE_DAY, 2, { perDay: 10 }), {
      patientId: 'P-short',
      now: NOW,
      uploadedAt: NOW,
    });
    // The second chunk's worker dies between marking its outcome counted and adding to `done`.
    let adds = 0;
    let died = false;
    const dying = interceptedClient(async (name, args, next) => {
      if (name === 'UpdateItemCommand' && JSON.stringify(args.input).includes('ADD done') && ++adds === 2) {
        died = true;
        throw new Error('injected crash');
      }
      return next(args);
    });
    for (const message of started.messages) {
      await writeChunk(
        { dynamodb: dying, tableName: table.current.tableName, timing: noWait },
        message,
      ).catch(() => undefined);
    }
    dying.destroy();
    expect(died).toBe(true);
    // Redelivered, the chunk is already counted: nothing completes the dump.
    await writeChunk(
      { dynamodb: table.current.dynamodb, tableName: table.current.tableName },
      started.messages[1]!,
    );
    expect(await readLedger(table.current, started.dumpId)).toMatchObject({ status: 'PROCESSING', done: 1 });

    const report = await watchdog(table.current, () => NOW + 10 * 60_000, []);
    expect(report).toMatchObject({ stuck: 1, completed: 1, redriven: 0 });
    expect(await readLedger(table.current, started.dumpId)).toMatchObject({
      status: 'COMPLETE',
      totals: { stored: 20, duplicates: 0, conflicts: 0 },
    });
  }, 30_000);

  it("recomputes a completed dump's KPIs when the KPI function never did, and leaves fresh ones alone", async () => {
    const stale = await startDump(table.current, dayEvents(BASE_DAY + 5, 1, { perDay: 10 }), {
      patientId: 'P-stale',
      now: NOW,
    });
    const fresh = await startDump(table.current, dayEvents(BASE_DAY + 5, 1, { perDay: 10 }), {
      patientId: 'P-fresh',
      now: NOW,
    });
    const early = await startDump(table.current, dayEvents(BASE_DAY + 5, 1, { perDay: 10 }), {
      patientId: 'P-early',
      now: NOW,
    });
    // P-early's KPIs were read before its chunk committed: stored, but stale.
    await recomputeKpis(
      { dynamodb: table.current.dynamodb, tableName: table.current.tableName, clock: () => NOW - 1_000 },
      'P-early',
      'DEV-1',
    );
    const clock = () => NOW;
    for (const message of [...stale.messages, ...fresh.messages, ...early.messages]) {
      await writeChunk(
        { dynamodb: table.current.dynamodb, tableName: table.current.tableName, clock, watch: WATCH },
        message,
      );
    }
    // The stream delivered P-fresh's summary change (its KPIs read a second after completion, as a
    // stream batching window makes it), not P-stale's.
    await recomputeKpis(
      { dynamodb: table.current.dynamodb, tableName: table.current.tableName, clock: () => NOW + 1_000 },
      'P-fresh',
      'DEV-1',
    );
    expect(await readKpis(table.current, 'P-stale', 'DEV-1')).toEqual([]);

    const beforeGrace = await watchdog(table.current, () => NOW + 20_000, []);
    expect(beforeGrace.kpisChecked).toBe(0);
    const report = await watchdog(table.current, () => NOW + 31_000, []);
    expect(report).toMatchObject({ kpisChecked: 3, kpisRepaired: 2 });
    for (const patientId of ['P-stale', 'P-early']) {
      const [repaired] = await readKpis(table.current, patientId, 'DEV-1');
      expect(repaired).toMatchObject({ deviceId: 'DEV-1', events: 10 });
    }
    for (const dumpId of [stale.dumpId, fresh.dumpId, early.dumpId]) {
      expect((await readLedger(table.current, dumpId))?.watch).toBeUndefined();
    }
  }, 30_000);
});

describe('runWatchdog, two runs at once', () => {
  const table = useTestTable({ prefix: 'watchdog-race' });

  it('does not re-drive again a dump that another run re-drove after this one read the index', async () => {
    const ref = { bucket: 'b', key: 'raced', version: 'v' };
    const { ledger } = await claimDump(table.current, ref, {
      uploadedAt: NOW,
      now: NOW,
      deadlineMs: WATCH.deadlineMs,
    });
    // Run "late" reads the index (the dump is due), then stalls until run "early" has re-driven it.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let stalled = false;
    const stalling = interceptedClient(async (name, args, next) => {
      const result = await next(args);
      if (name === 'QueryCommand' && !stalled) {
        stalled = true;
        await gate;
      }
      return result;
    });
    const redriven: LedgerEntry[] = [];
    const late = runWatchdog({
      dynamodb: stalling,
      tableName: table.current.tableName,
      watch: WATCH,
      clock: () => NOW + 61_000,
      redrive: async (entry) => void redriven.push(entry),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stalled).toBe(true);
    const early = await watchdog(table.current, () => NOW + 61_000, redriven);
    release();
    const lateReport = await late;
    stalling.destroy();

    expect(early.redriven).toBe(1);
    expect(lateReport).toMatchObject({ stuck: 0, redriven: 0 });
    expect(redriven.map((entry) => entry.dumpId)).toEqual([ledger.dumpId]);
    expect(await readLedger(table.current, ledger.dumpId)).toMatchObject({ redrives: 1 });
  }, 30_000);
});
