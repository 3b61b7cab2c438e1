import type { DumpEvent } from '../../../lambdas/core/dump/types';
import {
  indexStoredDay,
  reconcileDay,
  reconcileLedgerObjects,
  reconcileStuckDumps,
  reconcileRejectedDump,
  reconcileValidDump,
  type ValidDumpInput,
} from '../../../verify/reconcile';
import type { StoredDay } from '../../../verify/types';
import { slicePageEvents } from '../../../lambdas/core/storage/pages';
import { at, BASE_DAY, decodedDump, event, MS_PER_DAY } from '../../factories/events';
import { aLedger, GENERATION, pageEventsOf, storedDayOf } from '../../factories/verify';

const kinds = (differences: readonly { kind: string }[]) => differences.map((d) => d.kind);

/** Two days of events; the second day holds an identical repeat and a conflicting copy. */
function twoDays(): DumpEvent[] {
  const repeated = event({ timestamp: at(BASE_DAY + 1, 7_000), seq: 5, value: 4 });
  return [
    event({ timestamp: at(BASE_DAY, 1_000), seq: 1 }),
    event({ timestamp: at(BASE_DAY, 2_000), seq: 2, type: 4, value: 12.5 }),
    event({ timestamp: at(BASE_DAY + 1, 3_000), seq: 3, type: 1, duration: 3600 }),
    repeated,
    repeated,
    { ...repeated, value: 9 },
  ];
}

/** A dump stored fresh: every identity stored once, the ledger counting like the worker. */
function freshStore(events: readonly DumpEvent[]): ValidDumpInput & { days: Map<number, StoredDay> } {
  const decoded = decodedDump(events);
  const days = new Map(decoded.days.map((g) => [g.dayNumber, storedDayOf(g.dayNumber, events)]));
  const stored = [...days.values()].reduce((n, d) => n + (d.pages[0]?.events?.length ?? 0), 0);
  const ledger = aLedger({
    now: at(BASE_DAY + 2),
    counts: {
      records: events.length,
      valid: events.length,
      rejected: { R_TIME_RANGE: 0, R_VALUE: 0 },
      expired: 0,
    },
    totals: { stored, duplicates: events.length - stored, conflicts: 1 },
  });
  return {
    key: 'incoming/a.dump',
    decoded,
    ledger,
    days,
    storedDay: (day) => indexStoredDay(days.get(day) ?? storedDayOf(day, [])),
  };
}

describe('reconcileDay', () => {
  const day = () => storedDayOf(BASE_DAY + 1, twoDays());

  it('finds nothing in a day stored as a commit leaves it', () => {
    expect(reconcileDay(day())).toEqual([]);
  });

  it('reports an identity held by two pages (and the summary that counts it once)', () => {
    const d = day();
    const copy = { salt: 1, generation: GENERATION, page: 2, events: d.pages[0]!.events };
    const summary = { ...d.summary!, pages: 2 };
    expect(kinds(reconcileDay({ ...d, summary, pages: [...d.pages, copy] }))).toEqual([
      'EVENT_DUPLICATED',
      'DAY_INCONSISTENT',
    ]);
  });

  it('reports a page under a partition its number does not give', () => {
    const d = day();
    const moved = { ...d.pages[0]!, salt: 3 };
    expect(kinds(reconcileDay({ ...d, pages: [moved] }))).toEqual(['EVENT_MISPLACED']);
  });

  it('reports a deleted page: the summary still counts it and its events', () => {
    const [difference] = reconcileDay({ ...day(), pages: [] });
    expect(difference?.kind).toBe('DAY_INCONSISTENT');
    expect(difference?.detail).toMatch(/event page\(s\) 1 of 1\.\.1 .* are missing/);
    expect(difference?.detail).toMatch(/summary events 2 != 0/);
  });

  it("reports a page past the summary's count (a commit that never happened)", () => {
    const d = day();
    const extra = {
      salt: 1,
      generation: GENERATION,
      page: 2,
      events: pageEventsOf([event({ timestamp: at(BASE_DAY + 1, 9_000), seq: 77 })]),
    };
    const [difference] = reconcileDay({ ...d, pages: [...d.pages, extra] });
    expect(difference?.detail).toMatch(/event page\(s\) 2 are past the summary's 1/);
  });

  it('reports pages of another generation, which no summary counts', () => {
    const d = day();
    const stale = { ...d.pages[0]!, generation: 'old' };
    const [difference] = reconcileDay({ ...d, pages: [...d.pages, stale] });
    expect(difference?.detail).toMatch(/1 event page\(s\) of another generation/);
  });

  it('reports stored content that no longer matches the fingerprint', () => {
    const d = day();
    const events = d.pages[0]!.events!;
    const changed = { ...events, value: events.value.map((v, i) => (i === 0 ? v + 1 : v)) };
    const [difference] = reconcileDay({ ...d, pages: [{ ...d.pages[0]!, events: changed }] });
    expect(difference?.detail).toMatch(/summary fp/);
  });

  it('reports a page that does not decode', () => {
    const d = day();
    const corrupt = { ...d.pages[0]!, events: undefined, error: 'event page: format 9 is not 1' };
    const [difference] = reconcileDay({ ...d, pages: [corrupt] });
    expect(difference?.detail).toMatch(/event page 1 does not decode \(event page: format 9/);
  });

  it('reports event pages with no day summary', () => {
    const [difference] = reconcileDay({ ...day(), summary: undefined });
    expect(difference?.detail).toMatch(/no day summary, but 1 event page/);
  });
});

describe('reconcileValidDump', () => {
  it('finds nothing when every identity is stored and the ledger counts like the worker', () => {
    const input = freshStore(twoDays());
    expect(reconcileValidDump(input)).toEqual({ differences: [], recordsChecked: 6 });
  });

  it('reports a valid dump without a ledger item', () => {
    expect(kinds(reconcileValidDump({ ...freshStore(twoDays()), ledger: undefined }).differences)).toEqual([
      'NO_LEDGER',
    ]);
  });

  it('reports a valid dump whose ledger is not COMPLETE', () => {
    const input = freshStore(twoDays());
    const ledger = aLedger({ ...input.ledger, status: 'PROCESSING', done: 1, chunksExpected: 2 });
    expect(kinds(reconcileValidDump({ ...input, ledger }).differences)).toEqual(['NOT_COMPLETE']);
  });

  it('reports a valid dump its ledger calls REJECTED', () => {
    const input = freshStore(twoDays());
    const ledger = aLedger({ ...input.ledger, status: 'REJECTED', code: 'E_BODY_CRC' });
    const [difference] = reconcileValidDump({ ...input, ledger }).differences;
    expect(difference).toMatchObject({
      kind: 'NOT_COMPLETE',
      detail: expect.stringMatching(/REJECTED E_BODY_CRC/),
    });
  });

  it('reports identities that no event page holds', () => {
    const input = freshStore(twoDays());
    const day = input.days.get(BASE_DAY)!;
    const firstGone = (d: StoredDay): StoredDay => {
      const events = d.pages[0]!.events!;
      return { ...d, pages: [{ ...d.pages[0]!, events: slicePageEvents(events, 1, events.length) }] };
    };
    const storedDay = (n: number) => indexStoredDay(n === BASE_DAY ? firstGone(day) : input.days.get(n)!);
    const result = reconcileValidDump({ ...input, storedDay });
    expect(kinds(result.differences)).toEqual(['EVENT_MISSING']);
    expect(result.differences[0]!.detail).toMatch(/^1 of 4 identities/);
  });

  it('does not compare a day whose time-to-live has passed, which DynamoDB may have deleted', () => {
    const input = freshStore(twoDays());
    // The first day's items are gone (TTL), the second day's are whole.
    const storedDay = (n: number) =>
      indexStoredDay(n === BASE_DAY ? { ...input.days.get(n)!, pages: [] } : input.days.get(n)!);
    const firstDayTtlMs = (BASE_DAY + 401) * MS_PER_DAY;

    const retired = reconcileValidDump({ ...input, storedDay, retainedAt: firstDayTtlMs });
    expect(retired).toEqual({ differences: [], recordsChecked: 4 });

    // A moment before its time-to-live the day must still be whole.
    const early = reconcileValidDump({ ...input, storedDay, retainedAt: firstDayTtlMs - 1 });
    expect(kinds(early.differences)).toEqual(['EVENT_MISSING']);
  });

  it('reports ledger totals that do not add up to the file', () => {
    const input = freshStore(twoDays());
    const ledger = aLedger({ ...input.ledger, totals: { stored: 4, duplicates: 1, conflicts: 1 } });
    const [difference] = reconcileValidDump({ ...input, ledger }).differences;
    expect(difference).toMatchObject({
      kind: 'LEDGER_COUNTS',
      detail: expect.stringMatching(/!= 6 non-expired/),
    });
  });

  it('reports ledger record counts that differ from the file', () => {
    const input = freshStore(twoDays());
    const counts = { ...input.ledger!.counts!, rejected: { R_TIME_RANGE: 1, R_VALUE: 0 } };
    const [difference] = reconcileValidDump({
      ...input,
      ledger: aLedger({ ...input.ledger, counts }),
    }).differences;
    expect(difference?.detail).toMatch(/R_TIME_RANGE 1 != 0 in the file/);
  });

  it('recounts conflicts from the stored copy, whichever upload stored it', () => {
    const input = freshStore(twoDays());
    // Another upload stored the repeated identity with value 9 first: the two value-4 copies conflict.
    const day = input.days.get(BASE_DAY + 1)!;
    const page = day.pages[0]!.events!;
    const value = page.value.map((v, i) => (page.seq[i] === 5 ? 9 : v));
    const storedDay = (n: number) =>
      indexStoredDay(
        n === BASE_DAY + 1
          ? { ...day, pages: [{ ...day.pages[0]!, events: { ...page, value } }] }
          : input.days.get(n)!,
      );
    const stale = reconcileValidDump({ ...input, storedDay });
    expect(stale.differences[0]?.detail).toMatch(/conflicts 1 != 2 records differing/);
    const ledger = aLedger({ ...input.ledger, totals: { ...input.ledger!.totals!, conflicts: 2 } });
    expect(reconcileValidDump({ ...input, ledger, storedDay }).differences).toEqual([]);
  });

  it('neither reads nor reports days expired at the ledger processing time', () => {
    const old = event({ timestamp: at(BASE_DAY - 500, 1_000), seq: 99 });
    const input = freshStore(twoDays());
    const events = [...twoDays(), old];
    const asked: number[] = [];
    const ledger = aLedger({
      ...input.ledger,
      counts: { ...input.ledger!.counts!, records: 7, valid: 7, expired: 1 },
    });
    const result = reconcileValidDump({
      ...input,
      decoded: decodedDump(events),
      ledger,
      storedDay: (n) => {
        asked.push(n);
        return input.storedDay(n);
      },
    });
    expect(result.differences).toEqual([]);
    expect(asked).toEqual([BASE_DAY, BASE_DAY + 1]);
    expect(Math.floor(old.timestamp / MS_PER_DAY)).toBeLessThan(BASE_DAY - 400);
  });
});

describe('reconcileRejectedDump', () => {
  const rejected = aLedger({ status: 'REJECTED', code: 'E_BODY_CRC' });
  const input = {
    key: 'incoming/bad.dump',
    code: 'E_BODY_CRC',
    copyExists: true,
    copyKey: 'rejected/incoming/bad.dump',
  };

  it('finds nothing for a REJECTED dump with its code and its copy', () => {
    expect(reconcileRejectedDump({ ...input, ledger: rejected })).toEqual([]);
  });

  it('reports a malformed dump without a ledger item', () => {
    expect(kinds(reconcileRejectedDump({ ...input, ledger: undefined }))).toEqual(['NO_LEDGER']);
  });

  it('reports a malformed dump the ledger does not call REJECTED', () => {
    expect(kinds(reconcileRejectedDump({ ...input, ledger: aLedger() }))).toEqual(['NOT_REJECTED']);
  });

  it('reports a rejection with another code', () => {
    const [difference] = reconcileRejectedDump({ ...input, code: 'E_TRUNCATED', ledger: rejected });
    expect(difference?.detail).toMatch(/REJECTED E_BODY_CRC but the file fails with E_TRUNCATED/);
  });

  it('reports a missing rejected copy', () => {
    expect(kinds(reconcileRejectedDump({ ...input, ledger: rejected, copyExists: false }))).toEqual([
      'REJECTED_COPY_MISSING',
    ]);
  });
});

describe('reconcileLedgerObjects', () => {
  it('reports the ledger items whose object is gone, and only those', () => {
    const entries = [
      { dumpId: 'L#b/a#1', key: 'incoming/a.dump', version: '1', status: 'COMPLETE', uploadedAt: 0 },
      { dumpId: 'L#b/b#1', key: 'incoming/b.dump', version: '1', status: 'REJECTED', uploadedAt: 0 },
    ];
    const differences = reconcileLedgerObjects(entries, (e) => e.key === 'incoming/a.dump');
    expect(differences).toEqual([
      {
        kind: 'OBJECT_MISSING',
        subject: 'incoming/b.dump',
        detail: expect.stringMatching(/REJECTED for version 1/),
      },
    ]);
  });

  it('does not report an object the lifecycle rule may have expired', () => {
    const DAY = 86_400_000;
    const entries = [
      {
        dumpId: 'L#b/old#1',
        key: 'incoming/old.dump',
        version: '1',
        status: 'COMPLETE',
        uploadedAt: 1 * DAY,
      },
      {
        dumpId: 'L#b/new#1',
        key: 'incoming/new.dump',
        version: '1',
        status: 'COMPLETE',
        uploadedAt: 9 * DAY,
      },
    ];
    const differences = reconcileLedgerObjects(entries, () => false, 2 * DAY);
    expect(differences.map((d) => d.subject)).toEqual(['incoming/new.dump']);
  });
});

describe('reconcileStuckDumps', () => {
  it('reports each dump of the bucket and prefix that is past its deadline, by key and dump id', () => {
    const now = 10 * 60_000;
    const stuck = [
      aLedger({
        dumpId: 'a'.repeat(24),
        bucket: 'b',
        key: 'incoming/x.dump',
        status: 'RECEIVED',
        due: now - 90_000,
      }),
      aLedger({ dumpId: 'c'.repeat(24), bucket: 'other', key: 'incoming/y.dump', due: now - 90_000 }),
      aLedger({ dumpId: 'd'.repeat(24), bucket: 'b', key: 'elsewhere/z.dump', due: now - 90_000 }),
    ];
    expect(reconcileStuckDumps(stuck, 'b', 'incoming/', now)).toEqual([
      {
        kind: 'PAST_DEADLINE',
        subject: 'incoming/x.dump',
        detail: expect.stringMatching(
          new RegExp(
            `^dump ${'a'.repeat(24)} is still RECEIVED 1\\.5 min past its deadline .*dumpflow status --dump`,
          ),
        ),
      },
    ]);
  });
});
