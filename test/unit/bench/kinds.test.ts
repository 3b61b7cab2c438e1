import { addNumbers, emptyKind, KindTally, ratiosOf } from '../../../bench/kinds';

describe('kinds', () => {
  it('sums objects of numbers field by field', () => {
    expect(addNumbers({ a: 1, b: { c: 2 } }, { a: 3, b: { c: 4 } })).toEqual({ a: 4, b: { c: 6 } });
  });

  it('tallies per kind and in total, and divides baseline by project', () => {
    const tally = new KindTally();
    const project = { ...emptyKind().project, aws: { readUnits: 2, writeUnits: 10 }, wallMs: 100, stored: 5 };
    const baseline = {
      ...emptyKind().baseline,
      aws: { readUnits: 900, writeUnits: 5 },
      wallMs: 1000,
      stored: 5,
    };
    tally.add('week', { days: 7, records: 50, project, baseline });
    tally.add('week', { days: 7, records: 50, project, baseline });
    tally.add('year', { days: 365, records: 500, project, baseline });
    expect(tally.total.uploads).toBe(3);
    expect(tally.byKind.week?.records).toBe(100);
    expect(tally.shares()).toEqual({ week: 2 / 3, quarter: 0, year: 1 / 3 });
    const ratios = ratiosOf(tally.total);
    expect(ratios.readUnitsRatio).toBe(450);
    expect(ratios.speedup).toBe(10);
    expect(ratios.readUnitsRatioDynamodbLocal).toBeNull();
  });
});
