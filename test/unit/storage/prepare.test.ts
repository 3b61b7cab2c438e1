import { EventType } from '../../../lambdas/core/dump/types';
import { planChunks, buildChunkMessage } from '../../../lambdas/core/storage/chunks';
import { prepareDump, isExpiredDay } from '../../../lambdas/core/storage/prepare';
import { fingerprintsEqual } from '../../../lambdas/core/storage/fingerprint';
import { at, BASE_DAY, dayEvents, decodedDump, event, MS_PER_DAY } from '../../factories/events';

const NOW = at(BASE_DAY + 10);

describe('isExpiredDay', () => {
  it('expires days more than 400 below the processing day', () => {
    const today = Math.floor(NOW / MS_PER_DAY);
    expect(isExpiredDay(today - 400, NOW)).toBe(false);
    expect(isExpiredDay(today - 401, NOW)).toBe(true);
    expect(isExpiredDay(today + 1, NOW)).toBe(false);
  });
});

describe('prepareDump', () => {
  it('counts expired records per day and keeps the rest', () => {
    const today = BASE_DAY + 10;
    const dump = decodedDump([
      event({ timestamp: at(today - 401, 5) }),
      event({ timestamp: at(today - 401, 6) }),
      event({ timestamp: at(today - 400, 7) }),
    ]);
    const prepared = prepareDump(dump, { now: NOW });
    expect(prepared.expired).toBe(2);
    expect(prepared.days.map((d) => d.dayNumber)).toEqual([today - 400]);
    expect(prepared.valid).toBe(3);
  });

  it('collapses intra-dump copies: first copy in file order first, conflicts against it', () => {
    const a = event({ timestamp: at(BASE_DAY, 1000), seq: 1, value: 1 });
    const b = { ...a, value: 2 };
    const other = event({ timestamp: at(BASE_DAY, 500), seq: 9 });
    const prepared = prepareDump(decodedDump([a, other, b, a, b, b]), { now: NOW });
    const [day] = prepared.days;
    expect(day!.records).toBe(6);
    expect(day!.identities).toBe(2);
    // Sorted by identity: `other` (earlier time) first, then a's variants a (x2), b (x3).
    expect(Array.from(day!.variants)).toEqual([1, 0, 2]);
    expect(Array.from(day!.copies)).toEqual([1, 2, 3]);
    expect(day!.intraConflicts).toBe(3);
  });

  it('fingerprints only first copies, independent of file order', () => {
    const events = dayEvents(BASE_DAY, 2, { perDay: 30 });
    const first = prepareDump(decodedDump(events), { now: NOW });
    const shuffled = prepareDump(decodedDump([...events].reverse().concat(events.slice(0, 5))), { now: NOW });
    first.days.forEach((day, i) => {
      expect(fingerprintsEqual(day.fingerprint, shuffled.days[i]!.fingerprint)).toBe(true);
      expect(day.identities).toBe(shuffled.days[i]!.identities);
    });
  });

  it('treats -0 and 0 as different content (the bytes differ)', () => {
    const a = event({ timestamp: at(BASE_DAY, 1), seq: 1, type: EventType.LEAK, value: 0 });
    const prepared = prepareDump(decodedDump([a, { ...a, value: -0 }]), { now: NOW });
    expect(prepared.days[0]!.intraConflicts).toBe(1);
  });
});

describe('planChunks', () => {
  it('splits a big day into deterministic parts, never between copies of one identity', () => {
    const events = dayEvents(BASE_DAY, 1, { perDay: 25 });
    const conflicting = { ...events[9]!, value: -1 };
    const prepared = prepareDump(decodedDump([...events, conflicting]), { now: NOW });
    const plans = planChunks(prepared, prepared.days, { maxEvents: 10 });
    expect(plans.map((p) => p.chunkId)).toEqual(['20240301-0', '20240301-1', '20240301-2']);
    expect(plans.map((p) => p.end - p.start).reduce((a, b) => a + b)).toBe(26);
    for (const plan of plans) {
      const message = buildChunkMessage(prepared, plan, { dumpId: 'L#x', uploadedAt: 1 });
      const seqs = Array.from(message.events.seq);
      // Both copies of events[9] land in the same chunk.
      if (seqs.includes(events[9]!.seq)) expect(seqs.filter((s) => s === events[9]!.seq)).toHaveLength(2);
    }
  });

  it('keeps one identity with more variants than the cap in a single chunk', () => {
    const a = event({ timestamp: at(BASE_DAY, 1), seq: 1 });
    const variants = Array.from({ length: 5 }, (_, i) => ({ ...a, flags: i }));
    const prepared = prepareDump(decodedDump([event({ timestamp: at(BASE_DAY, 0), seq: 0 }), ...variants]), {
      now: NOW,
    });
    const plans = planChunks(prepared, prepared.days, { maxEvents: 3 });
    expect(plans.map((p) => [p.start, p.end])).toEqual([
      [0, 1],
      [1, 6],
    ]);
  });
});
