import fc from 'fast-check';
import {
  chunkId,
  dayLabel,
  dayNumberFromDaySk,
  dayNumberFromLabel,
  daySk,
  dayTtl,
  escapeId,
  dayPk,
  deviceIdFromSk,
  pageNumberFromSk,
  pagePk,
  pageSalt,
  pageSk,
  patientDeviceSk,
  patientDevicesPk,
  claimPk,
  claimSk,
  dumpIdFromLedgerPk,
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

describe('page keys', () => {
  it("spreads a generation's pages over its salt partitions and numbers them in sort order", () => {
    expect(pagePk(19_783, 'P#1', 'D%1', 3)).toBe('E#20240301#P%231#D%251#3');
    expect([1, 2, 10, 11].map((page) => pageSalt(page, 10))).toEqual([0, 1, 9, 0]);
    expect(pageSk('g1', 7)).toBe('P#g1#000007');
    expect(pageSk('g1', 10) > pageSk('g1', 9)).toBe(true);
    expect(pageNumberFromSk(pageSk('gen#x', 123))).toBe(123);
    expect(dayPk(19_783, 'P', 'D')).toBe('D#20240301#P#D');
    expect(deviceIdFromSk(patientDeviceSk('D#1'))).toBe('D#1');
    expect(patientDevicesPk('P#1')).toBe('I#P%231');
  });

  it('expires a day at the end of day + 400', () => {
    expect(dayTtl(0)).toBe(401 * 86_400);
  });
});

describe('claim and ledger keys', () => {
  it('claims an object key per version, escaped, and keys the ledger by the opaque dump id alone', () => {
    expect(claimPk('b', 'in/a#b.mdmp')).toBe('K#b/in/a%23b.mdmp');
    expect(claimSk('v%1')).toBe('V#v%251');
    expect(ledgerPk('0a1b')).toBe('L#0a1b');
    expect(dumpIdFromLedgerPk(ledgerPk('0a1b'))).toBe('0a1b');
  });

  it('digests object keys that would exceed the partition key limit', () => {
    const pk = claimPk('b', '#'.repeat(1000));
    expect(pk).toMatch(/^K#sha256:[0-9a-f]{64}$/);
    expect(claimPk('c', '#'.repeat(1000))).not.toBe(pk);
  });
});

describe('chunkId', () => {
  it('is the compact day and the part', () => {
    expect(chunkId(19_783, 2)).toBe('20240301-2');
  });
});
