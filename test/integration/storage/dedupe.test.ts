import type { DumpEvent } from '../../../lambdas/core/dump/types';
import { EventType } from '../../../lambdas/core/dump/types';
import { decodeChunkMessage } from '../../../lambdas/core/storage/chunk-message';
import {
  buildChunkMessage,
  chunkMessageBody,
  DEFAULT_MAX_CHUNK_EVENTS,
  planChunks,
} from '../../../lambdas/core/storage/chunks';
import { addHash, emptyFingerprint, fingerprintsEqual } from '../../../lambdas/core/storage/fingerprint';
import { daySeed, eventHash, type Hash128 } from '../../../lambdas/core/storage/hash';
import { ingestInProcess, type InProcessDeps } from '../../../lambdas/core/storage/in-process';
import type { DumpRef } from '../../../lambdas/core/storage/keys';
import { claimDump, readLedgerOf, rejectDump, startProcessing } from '../../../lambdas/core/ledger';
import { chunkWithOwner } from '../../../lambdas/core/storage/chunk-owner';
import { prepareDump } from '../../../lambdas/core/storage/prepare';
import { settleWholeDays } from '../../../lambdas/core/storage/settle';
import { writeChunk, type WriteChunkResult } from '../../../lambdas/core/storage/write-chunk';
import {
  at,
  BASE_DAY,
  dayEvents,
  decodedDump,
  event,
  MS_PER_DAY,
  seededRandom,
} from '../../factories/events';
import { StoreOracle } from '../support/oracle';
import { readDayPages, readSummary, scanEvents, type StoredEvent } from '../support/storage';
import { useTestTable } from '../support/table';

const NOW = at(BASE_DAY + 30);
const UPLOADED = NOW - 5_000;
let refCounter = 0;
const ref = (): DumpRef => ({
  bucket: 'dumps',
  key: `in/dump-${++refCounter}#x.mdmp`,
  version: `v${refCounter}`,
});

function depsOf(table: { dynamodb: InProcessDeps['dynamodb']; tableName: string }): InProcessDeps {
  return { dynamodb: table.dynamodb, tableName: table.tableName, now: NOW, saltBuckets: 4 };
}

function eventsOf(stored: readonly StoredEvent[], patientId: string, deviceId: string): StoredEvent[] {
  const marker = `#${patientId}#${deviceId}`;
  return stored.filter((e) => e.pk.endsWith(marker));
}

describe('ingesting dumps (storage core end to end)', () => {
  const table = useTestTable({ prefix: 'dedupe' });

  it('stores nothing the second time the same dump is uploaded, and settles it with one cheap Query', async () => {
    const events = dayEvents(BASE_DAY, 7, { perDay: 40 });
    const dump = decodedDump(events, { patientId: 'P-same', deviceId: 'D#1' });
    const deps = depsOf(table.current);

    const first = await ingestInProcess(deps, ref(), dump, UPLOADED);
    expect(first.completion?.totals).toEqual({ stored: 280, duplicates: 0, conflicts: 0 });
    expect(first.chunks).toBe(7);

    const second = await ingestInProcess(deps, ref(), dump, UPLOADED);
    expect(second.chunks).toBe(0);
    expect(second.settledDays).toBe(7);
    expect(second.completion?.totals).toEqual({ stored: 0, duplicates: 280, conflicts: 0 });
    expect(second.completion?.counts).toMatchObject({ records: 280, valid: 280, expired: 0 });
    expect(second.workerCapacity.requests).toBe(0);
    // claim (read-back none) + one summary Query + the start transaction and its read-back.
    expect(second.parserCapacity.readUnits).toBeLessThanOrEqual(3);

    expect(eventsOf(await scanEvents(table.current), 'P-same', 'D%231')).toHaveLength(280);
  });

  it('is a no-op for a redelivered notification of a complete dump', async () => {
    const dumpRef = ref();
    const dump = decodedDump(dayEvents(BASE_DAY, 1, { perDay: 5 }), { patientId: 'P-redeliver' });
    const deps = depsOf(table.current);
    await ingestInProcess(deps, dumpRef, dump, UPLOADED);
    const again = await ingestInProcess(deps, dumpRef, dump, UPLOADED);
    expect(again.claim).toBe('finished');
    expect(again.chunks).toBe(0);
    const ledger = await readLedgerOf(table.current, dumpRef);
    expect(ledger).toMatchObject({ status: 'COMPLETE', totals: { stored: 5, duplicates: 0, conflicts: 0 } });
  });

  it('re-drives a dump whose parser died after fanning out half its chunks', async () => {
    const dumpRef = ref();
    const dump = decodedDump(dayEvents(BASE_DAY + 3, 4, { perDay: 20 }), { patientId: 'P-redrive' });
    const deps = depsOf(table.current);
    // First parser: claims, plans and starts, then writes only two chunks and dies.
    const { dumpId } = (await claimDump(table.current, dumpRef, { uploadedAt: UPLOADED, now: NOW })).ledger;
    const prepared = prepareDump(dump, { now: NOW });
    const plans = planChunks(prepared, prepared.days);
    await startProcessing(table.current, dumpId, {
      patientId: 'P-redrive',
      deviceId: 'DEV-1',
      counts: { records: prepared.records, valid: prepared.valid, rejected: prepared.rejected, expired: 0 },
      settledDuplicates: 0,
      settledConflicts: 0,
      chunks: plans.map((p) => ({ dayNumber: p.day.dayNumber, part: p.part })),
      chunkEvents: DEFAULT_MAX_CHUNK_EVENTS,
    });
    for (const plan of plans.slice(0, 2)) {
      await writeChunk(deps, buildChunkMessage(prepared, plan, { dumpId, uploadedAt: UPLOADED }));
    }
    // Redelivered notification: the same dump is re-driven and only the missing chunks are sent.
    const redriven = await ingestInProcess(deps, dumpRef, dump, UPLOADED);
    expect(redriven.claim).toBe('redrive');
    expect(redriven.chunks).toBe(2);
    expect(redriven.completion?.totals).toEqual({ stored: 80, duplicates: 0, conflicts: 0 });
  });

  it('keeps a rejected dump rejected when its notification comes again', async () => {
    const dumpRef = ref();
    const { dumpId } = (await claimDump(table.current, dumpRef, { uploadedAt: UPLOADED, now: NOW })).ledger;
    expect(await rejectDump(table.current, dumpId, 'E_BODY_CRC', 'bodyCrc does not match')).toBe(true);
    const again = await claimDump(table.current, dumpRef, { uploadedAt: UPLOADED, now: NOW });
    expect(again).toMatchObject({ kind: 'finished', ledger: { status: 'REJECTED', code: 'E_BODY_CRC' } });
    expect(await rejectDump(table.current, dumpId, 'E_MAGIC', 'again')).toBe(false);
  });

  it('counts overlapping dumps, intra-dump duplicates, conflicts and expiry exactly as the spec does', async () => {
    const random = seededRandom(42);
    const patientId = 'P-overlap';
    const deviceId = 'D-1';
    const oracle = new StoreOracle(NOW);
    const today = Math.floor(NOW / MS_PER_DAY);
    const base = [
      ...dayEvents(today - 402, 2, { perDay: 6, random }), // expired, and one day on the edge
      ...dayEvents(BASE_DAY, 6, { perDay: 30, random, firstSeq: 1000 }),
    ];
    const pick = (from: number, to: number) => base.slice(from, to);
    const conflicting = (e: DumpEvent): DumpEvent => ({ ...e, value: e.value + 1 });
    const dumps: DumpEvent[][] = [
      // Days 1-3, with intra-dump exact copies and a conflicting copy after the original.
      [...pick(0, 100), base[20]!, conflicting(base[21]!), base[20]!],
      // Overlaps days 2-5; a conflicting copy comes FIRST this time, then the original content.
      [conflicting(base[60]!), ...pick(50, 150), conflicting(base[120]!)],
      // Everything again, shuffled, plus conflicting copies of stored events.
      [...base].sort(() => random() - 0.5).concat([conflicting(base[3]!), conflicting(base[130]!)]),
      // A subset of a stored day: settled days must match exactly, this one goes to the workers.
      pick(30, 45),
    ];
    for (const events of dumps) {
      const expected = oracle.ingest(patientId, deviceId, events);
      const result = await ingestInProcess(
        { ...depsOf(table.current), maxChunkEvents: 17 },
        ref(),
        decodedDump(events, { patientId, deviceId }),
        UPLOADED,
      );
      expect(result.completion?.totals).toEqual({
        stored: expected.stored,
        duplicates: expected.duplicates,
        conflicts: expected.conflicts,
      });
      expect(result.completion?.counts.expired).toBe(expected.expired);
    }

    const stored = eventsOf(await scanEvents(table.current), patientId, deviceId);
    expect(stored).toHaveLength(oracle.stored.size);
    for (const e of stored) {
      const reference = oracle.stored.get(StoreOracle.identity(patientId, deviceId, e));
      expect(reference).toBeDefined();
      expect({ flags: e.flags, value: e.value, duration: e.duration }).toEqual({
        flags: reference!.flags,
        value: reference!.value,
        duration: reference!.duration,
      });
    }
  });

  it('keeps every event exactly once when two dumps write the same device-day concurrently', async () => {
    const patientId = 'P-race';
    const deviceId = 'D-1';
    const day = dayEvents(BASE_DAY + 1, 1, { perDay: 300, random: seededRandom(7) });
    const dumpA = [...day.slice(0, 200), ...day.slice(0, 10).map((e) => ({ ...e, flags: e.flags + 9 }))];
    const dumpB = [
      ...day.slice(100, 300).map((e, i) => (i % 3 === 0 ? { ...e, duration: e.duration + 1 } : e)),
    ];
    const deps = depsOf(table.current);

    // Parser side for both dumps first (nothing stored yet, so neither settles), then race the workers.
    const bodies: string[] = [];
    for (const events of [dumpA, dumpB]) {
      const dumpRef = ref();
      const { dumpId } = (await claimDump(table.current, dumpRef, { uploadedAt: UPLOADED, now: NOW })).ledger;
      const prepared = prepareDump(decodedDump(events, { patientId, deviceId }), { now: NOW });
      const settled = await settleWholeDays(table.current, prepared);
      const plans = planChunks(prepared, settled.remainingDays);
      await startProcessing(table.current, dumpId, {
        patientId,
        deviceId,
        counts: { records: prepared.records, valid: prepared.valid, rejected: prepared.rejected, expired: 0 },
        settledDuplicates: 0,
        settledConflicts: 0,
        chunks: plans.map((p) => ({ dayNumber: p.day.dayNumber, part: p.part })),
        chunkEvents: DEFAULT_MAX_CHUNK_EVENTS,
      });
      expect(plans).toHaveLength(1);
      bodies.push(chunkMessageBody(buildChunkMessage(prepared, plans[0]!, { dumpId, uploadedAt: UPLOADED })));
    }
    const results = await Promise.all(
      bodies.map(async (body) => writeChunk(deps, await chunkWithOwner(deps, decodeChunkMessage(body)))),
    );

    const stored = eventsOf(await scanEvents(table.current), patientId, deviceId);
    const union = new Set([...dumpA, ...dumpB].map((e) => StoreOracle.identity(patientId, deviceId, e)));
    expect(stored).toHaveLength(union.size);
    expect(new Set(stored.map((e) => StoreOracle.identity(patientId, deviceId, e))).size).toBe(union.size);

    const total = (pick: (r: WriteChunkResult) => number) => results.reduce((sum, r) => sum + pick(r), 0);
    expect(total((r) => r.outcome.stored)).toBe(union.size);
    expect(total((r) => r.outcome.duplicates)).toBe(dumpA.length + dumpB.length - union.size);
    // Conflicts follow from whichever copy won: count copies whose content differs from the stored one.
    const storedByIdentity = new Map(stored.map((e) => [StoreOracle.identity(patientId, deviceId, e), e]));
    let expectedConflicts = 0;
    for (const e of [...dumpA, ...dumpB]) {
      const s = storedByIdentity.get(StoreOracle.identity(patientId, deviceId, e))!;
      if (s.flags !== e.flags || s.value !== e.value || s.duration !== e.duration) expectedConflicts++;
    }
    expect(total((r) => r.outcome.conflicts)).toBe(expectedConflicts);
    // Each stored event's content is one dump's copy, and the day's bookkeeping matches the items.
    const summary = await readSummary(table.current, patientId, deviceId, BASE_DAY + 1);
    expect(summary?.inputs.events).toBe(union.size);
    expect(summary?.version).toBe(2);
    const digest = await readDayPages(table.current, patientId, deviceId, BASE_DAY + 1);
    expect(digest.pages).toBe(2);
    expect(new Set(digest.identities).size).toBe(union.size);
    const fp = emptyFingerprint();
    const seed = daySeed(patientId, deviceId, BASE_DAY + 1);
    const hash: Hash128 = [0, 0, 0, 0];
    for (const e of stored) {
      const ms = e.timestamp - (BASE_DAY + 1) * MS_PER_DAY;
      addHash(fp, eventHash(ms, e.seq, e.type, e.flags, e.value, e.duration, seed, hash));
    }
    expect(fingerprintsEqual(fp, summary!.fingerprint)).toBe(true);
    expect(results.filter((r) => r.completion)).toHaveLength(2);
  });

  it('writes a far-future event (year > 9999) and tiny or negative-zero values exactly', async () => {
    const farDay = 2_932_897 + 10; // +10000-01-11
    const events = [
      event({ timestamp: at(farDay, 5), seq: 1, type: EventType.LEAK, value: 5e-324 }),
      event({ timestamp: at(BASE_DAY, 5), seq: 2, type: EventType.LEAK, value: -0 }),
      event({ timestamp: at(BASE_DAY, 6), seq: 3, type: EventType.LEAK, value: 1.5e300 }),
    ];
    const result = await ingestInProcess(
      depsOf(table.current),
      ref(),
      decodedDump(events, { patientId: 'P-far', createdAt: at(farDay, 0) }),
      UPLOADED,
    );
    expect(result.completion?.totals.stored).toBe(3);
    const stored = eventsOf(await scanEvents(table.current), 'P-far', 'DEV-1');
    const bySeq = new Map(stored.map((e) => [e.seq, e]));
    expect(bySeq.get(1)?.value).toBe(5e-324);
    expect(bySeq.get(1)?.timestamp).toBe(at(farDay, 5));
    expect(Object.is(bySeq.get(2)?.value, -0)).toBe(true);
    expect(bySeq.get(3)?.value).toBe(1.5e300);
  });
});
