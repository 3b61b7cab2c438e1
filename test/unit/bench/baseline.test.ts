import { encodeDump, decodeDump } from '../../../lambdas/core/dump';
import { baselineReadDays, identityOf, selectNewEvents } from '../../../bench/baseline';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 1, 12);
const today = Math.floor(NOW / DAY);

describe('baselineReadDays', () => {
  it('reads each dump day and each of the 45 window days once, ascending', () => {
    const days = baselineReadDays([today - 100, today - 2, today], NOW, NOW, 45);
    expect(days).toHaveLength(46);
    expect(days[0]).toBe(today - 100);
    expect(days[1]).toBe(today - 44);
    expect(days[days.length - 1]).toBe(today);
    expect(new Set(days).size).toBe(days.length);
  });

  it('skips expired dump days and ends the window on windowEnd', () => {
    const days = baselineReadDays([today - 401, today - 400], NOW, NOW - 10 * DAY, 45);
    expect(days).not.toContain(today - 401);
    expect(days).toContain(today - 400);
    expect(days[days.length - 1]).toBe(today - 10);
  });
});

describe('selectNewEvents', () => {
  const t = (day: number, ms: number) => day * DAY + ms;
  const dump = decodeDump(
    encodeDump({
      deviceId: 'D1',
      patientId: 'P1',
      createdAt: NOW,
      events: [
        { timestamp: t(today - 1, 1000), seq: 1, type: 2, flags: 0, value: 1, duration: 0 },
        { timestamp: t(today - 1, 1000), seq: 1, type: 2, flags: 0, value: 1, duration: 0 },
        { timestamp: t(today - 1, 2000), seq: 2, type: 2, flags: 0, value: 1, duration: 0 },
        { timestamp: t(today, 5000), seq: 3, type: 5, flags: 0, value: 7.5, duration: 0 },
        { timestamp: t(today - 500, 5000), seq: 4, type: 5, flags: 0, value: 7.5, duration: 0 },
      ],
    }),
  );

  it('keeps first copies of unseen identities and counts repeats and expired records', () => {
    const selection = selectNewEvents(dump, new Set(), NOW);
    expect(selection.indices).toHaveLength(3);
    expect(selection.duplicates).toBe(1);
    expect(selection.expired).toBe(1);
    expect(selection.candidates).toBe(4);
  });

  it('drops identities already stored', () => {
    const stored = new Set([identityOf(today - 1, 2000, 2, 2), identityOf(today, 5000, 3, 5)]);
    const selection = selectNewEvents(dump, stored, NOW);
    expect(selection.indices).toHaveLength(1);
    expect(dump.events.seq[selection.indices[0]!]).toBe(1);
    expect(selection.duplicates).toBe(3);
  });
});
