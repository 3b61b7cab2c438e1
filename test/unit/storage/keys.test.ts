import fc from 'fast-check';
import {
  chunkId,
  dayLabel,
  dayNumberFromDaySk,
  dayNumberFromLabel,
  daySk,
  dayTtl,
  escapeId,
  eventPk,
  eventSk,
  ledgerPk,
  parseSummaryPk,
  summaryPk,
  unescapeId,
} from '../../../lambdas/core/storage/keys';
import { matchesKpiStreamFilter } from '../../../lambdas/core/storage/stream-filter';

const printableId = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 16,
});

describe('escapeId', () => {
  it('escapes % and # so no escaped id contains the separator', () => {
    expect(escapeId('a#b%c')).toBe('a%23b%25c');
    expect(escapeId('%23')).toBe('%2523');
    fc.assert(
      fc.property(printableId, (id) => !escapeId(id).includes('#') && unescapeId(escapeId(id)) === id),
    );
  });

  it('keeps summary keys unambiguous for ids containing # and %', () => {
    fc.assert(
      fc.property(printableId, printableId, printableId, printableId, (p1, d1, p2, d2) => {
        fc.pre(p1 !== p2 || d1 !== d2);
        return summaryPk(p1, d1) !== summaryPk(p2, d2);
      }),
    );
    expect(summaryPk('a#b', 'c')).not.toBe(summaryPk('a', 'b#c'));
    fc.assert(
      fc.property(printableId, printableId, (p, d) => {
        const parsed = parseSummaryPk(summaryPk(p, d));
        return parsed?.patientId === p && parsed.deviceId === d;
      }),
    );
  });
});

describe('dayLabel', () => {
  it('writes YYYY-MM-DD and reads it back', () => {
    expect(dayLabel(0)).toBe('1970-01-01');
    expect(dayLabel(19_783)).toBe('2024-03-01');
    expect(dayNumberFromLabel('2024-03-01')).toBe(19_783);
    expect(dayNumberFromLabel('2024-02-30')).toBeUndefined();
  });

  it('sorts in day order as text, including years past 9999', () => {
    const days = fc.integer({ min: 10_957, max: 2_200_000_000 });
    fc.assert(
      fc.property(days, days, (a, b) => {
        const [la, lb] = [dayLabel(a), dayLabel(b)];
        return Math.sign(a - b) === (la < lb ? -1 : la > lb ? 1 : 0) && dayNumberFromLabel(la) === a;
      }),
    );
    expect(dayLabel(2_932_896)).toBe('9999-12-31');
    expect(dayLabel(2_932_897)).toBe('~510000-01-01');
  });
});

describe('day summary sort key', () => {
  it('starts with DAY# so the KPI stream filter matches it, and parses back', () => {
    expect(daySk(19_783)).toBe('DAY#2024-03-01');
    expect(dayNumberFromDaySk(daySk(19_783))).toBe(19_783);
    expect(
      matchesKpiStreamFilter({ eventName: 'MODIFY', dynamodb: { Keys: { sk: { S: daySk(19_783) } } } }),
    ).toBe(true);
    expect(matchesKpiStreamFilter({ eventName: 'MODIFY', dynamodb: { Keys: { sk: { S: 'KPI' } } } })).toBe(
      false,
    );
  });
});

describe('event keys', () => {
  it('builds the salted partition key and a fixed-width, time-ordered sort key', () => {
    expect(eventPk(3, 19_783, 'P#1', 'D%1')).toBe('3#20240301#P%231#D%251');
    expect(eventSk(3_600_000, 0xabc, 1)).toBe('03600000-00000abc-0001');
    fc.assert(
      fc.property(
        fc.tuple(
          fc.integer({ min: 0, max: 86_399_999 }),
          fc.nat({ max: 0xffffffff }),
          fc.nat({ max: 0xffff }),
        ),
        fc.tuple(
          fc.integer({ min: 0, max: 86_399_999 }),
          fc.nat({ max: 0xffffffff }),
          fc.nat({ max: 0xffff }),
        ),
        ([m1, s1, t1], [m2, s2, t2]) => {
          const k1 = eventSk(m1, s1, t1);
          const k2 = eventSk(m2, s2, t2);
          const expected = m1 - m2 || s1 - s2 || t1 - t2;
          return k1.length === 22 && Math.sign(expected) === (k1 < k2 ? -1 : k1 > k2 ? 1 : 0);
        },
      ),
    );
  });

  it('expires a day at the end of day + 400', () => {
    expect(dayTtl(0)).toBe(401 * 86_400);
  });
});

describe('ledgerPk', () => {
  it('escapes the object key and version', () => {
    expect(ledgerPk({ bucket: 'b', key: 'in/a#b.mdmp', version: 'v%1' })).toBe('L#b/in/a%23b.mdmp#v%251');
  });

  it('digests keys that would exceed the partition key limit', () => {
    const pk = ledgerPk({ bucket: 'b', key: '#'.repeat(1000), version: 'v' });
    expect(pk).toMatch(/^L#sha256:[0-9a-f]{64}$/);
    expect(ledgerPk({ bucket: 'b', key: '#'.repeat(1000), version: 'w' })).not.toBe(pk);
  });
});

describe('chunkId', () => {
  it('is the compact day and the part', () => {
    expect(chunkId(19_783, 2)).toBe('20240301-2');
  });
});
