import fc from 'fast-check';
import { eventPk, eventSk, valueAttribute } from '../../../bench/event-items';

describe("event items (the source design's layout, for the benchmarks)", () => {
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

  it('keeps every finite double exactly, as a Number where DynamoDB can hold it and as text otherwise', () => {
    expect(valueAttribute(23.4)).toEqual({ N: '23.4' });
    expect(valueAttribute(0)).toEqual({ N: '0' });
    expect(valueAttribute(-0)).toEqual({ S: '-0' });
    expect(valueAttribute(5e-324)).toEqual({ S: '5e-324' });
    expect(valueAttribute(1e300)).toEqual({ S: '1e+300' });
  });
});
