import { decodeDump } from '../../../lambdas/core/dump';
import { rawDump, type RawRecord } from '../../factories/dumps';

const MIDNIGHT = Date.UTC(2024, 2, 11); // 2024-03-11T00:00:00Z
const at = (ms: number, seq: number): RawRecord => ({ timestamp: BigInt(ms), seq });

const LATER = BigInt(Date.UTC(2025, 0, 1));

const summary = (records: RawRecord[], createdAt = LATER) =>
  decodeDump(rawDump({ records, createdAt })).days.map((g) => ({
    day: g.day,
    dayNumber: g.dayNumber,
    indices: Array.from(g.indices),
  }));

describe('decodeDump day grouping', () => {
  it('splits at UTC midnight: 23:59:59.999 is the old day, 00:00:00.000 the new one', () => {
    expect(summary([at(MIDNIGHT - 1, 1), at(MIDNIGHT, 2), at(MIDNIGHT + 1, 3)])).toEqual([
      { day: '2024-03-10', dayNumber: MIDNIGHT / 86_400_000 - 1, indices: [0] },
      { day: '2024-03-11', dayNumber: MIDNIGHT / 86_400_000, indices: [1, 2] },
    ]);
  });

  it('orders days ascending and keeps file order within a day, whatever the file order', () => {
    const day = 86_400_000;
    const records = [
      at(MIDNIGHT + 5 * day, 0),
      at(MIDNIGHT + 1000, 1),
      at(MIDNIGHT + 5 * day + 10, 2),
      at(MIDNIGHT + 500, 3), // earlier in the day than index 1, but later in the file
      at(MIDNIGHT - day, 4),
    ];
    expect(summary(records).map((g) => [g.day, g.indices])).toEqual([
      ['2024-03-10', [4]],
      ['2024-03-11', [1, 3]],
      ['2024-03-16', [0, 2]],
    ]);
  });

  it('leaves out days without events', () => {
    const days = summary([at(MIDNIGHT, 0), at(MIDNIGHT + 3 * 86_400_000, 1)]).map((g) => g.day);
    expect(days).toEqual(['2024-03-11', '2024-03-14']);
  });

  it('groups only valid events (indices point into the events, not the records)', () => {
    const decoded = decodeDump(
      rawDump({ records: [at(5, 0), at(MIDNIGHT, 1), at(6, 2), at(MIDNIGHT + 1, 3)] }),
    );
    expect(decoded.days).toHaveLength(1);
    expect(Array.from(decoded.days[0]!.indices)).toEqual([0, 1]);
    expect(Array.from(decoded.days[0]!.indices, (i) => decoded.events.seq[i])).toEqual([1, 3]);
  });

  it('groups days millions of days apart (possible when createdAt is huge)', () => {
    const u64Max = 2n ** 64n - 1n;
    const records: RawRecord[] = [
      { timestamp: u64Max, seq: 0 },
      { timestamp: BigInt(MIDNIGHT), seq: 1 },
      { timestamp: 2n ** 60n, seq: 2 },
      { timestamp: u64Max - 1n, seq: 3 },
      { timestamp: BigInt(MIDNIGHT + 1), seq: 4 },
    ];
    const groups = summary(records, u64Max);
    expect(groups.map((g) => g.indices)).toEqual([[1, 4], [2], [0, 3]]);
    expect(groups.map((g) => g.dayNumber)).toEqual([
      MIDNIGHT / 86_400_000,
      Number(2n ** 60n / 86_400_000n),
      Number(u64Max / 86_400_000n),
    ]);
    expect(groups[2]!.day).toMatch(/^\+584556019-\d\d-\d\d$/);
  });

  it('every valid event appears in exactly one day, the day of its timestamp', () => {
    const records = Array.from({ length: 500 }, (_, i) =>
      at(MIDNIGHT + ((i * 7919) % 40) * 3_600_000 + i, i),
    );
    const decoded = decodeDump(rawDump({ records, createdAt: LATER }));
    const seen = new Set<number>();
    for (const group of decoded.days) {
      for (const i of group.indices) {
        expect(decoded.events.dayNumber[i]).toBe(group.dayNumber);
        seen.add(i);
      }
    }
    expect(seen.size).toBe(500);
  });
});
