import fc from 'fast-check';
import {
  civilFromDays,
  daysFromCivil,
  formatDay,
  formatInstant,
  parseDay,
  splitTimestamp,
} from '../../../lambdas/core/dump';

const MAX_DATE_DAY = 100_000_000; // Date's range is +-8.64e15 ms = +-1e8 days

describe('formatDay', () => {
  it('formats well-known days', () => {
    expect(formatDay(0)).toBe('1970-01-01');
    expect(formatDay(-1)).toBe('1969-12-31');
    expect(formatDay(10_957)).toBe('2000-01-01');
    expect(formatDay(19_782)).toBe('2024-02-29');
  });

  it('matches Date#toISOString over the whole Date range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_DATE_DAY, max: MAX_DATE_DAY }), (day) => {
        expect(formatDay(day)).toBe(new Date(day * 86_400_000).toISOString().slice(0, -14));
      }),
    );
    expect(formatDay(MAX_DATE_DAY)).toBe('+275760-09-13');
  });

  it('formats day numbers beyond Date with an ISO extended year instead of failing', () => {
    // The Gregorian calendar repeats every 400 years (146,097 days): shift a far day into Date's
    // range, let Date format it, and add the 400-year periods back to the year.
    const viaDate = (day: number): string => {
      const periods = Math.floor(day / 146_097) - 1;
      const iso = new Date((day - periods * 146_097) * 86_400_000).toISOString().slice(0, 10);
      const year = Number(iso.slice(0, 4)) + periods * 400;
      return `+${String(year).padStart(6, '0')}${iso.slice(4)}`;
    };
    fc.assert(
      fc.property(fc.integer({ min: MAX_DATE_DAY + 1, max: 213_503_982_334 }), (day) => {
        expect(formatDay(day)).toBe(viaDate(day));
      }),
    );
    const lastU64Day = Number((2n ** 64n - 1n) / 86_400_000n);
    expect(formatDay(lastU64Day)).toBe(viaDate(lastU64Day));
    expect(formatDay(2_932_896)).toBe('9999-12-31');
    expect(formatDay(2_932_897)).toBe('+010000-01-01');
  });
});

describe('civilFromDays / daysFromCivil', () => {
  it('are inverse for any day a u64 timestamp can reach', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 213_503_982_334 }), (day) => {
        const { year, month, day: dom } = civilFromDays(day);
        expect(month).toBeGreaterThanOrEqual(1);
        expect(month).toBeLessThanOrEqual(12);
        expect(dom).toBeGreaterThanOrEqual(1);
        expect(dom).toBeLessThanOrEqual(31);
        expect(daysFromCivil(year, month, dom)).toBe(day);
      }),
    );
  });
});

describe('parseDay', () => {
  it('reverses formatDay', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 213_503_982_334 }), (day) => {
        expect(parseDay(formatDay(day))).toBe(day);
      }),
    );
  });

  it('rejects text that is not a calendar day', () => {
    for (const text of [
      '2024-02-30',
      '2023-02-29',
      '2024-13-01',
      '2024-00-10',
      '2024-1-01',
      '20240101',
      'x',
      '+2024-01-01',
    ]) {
      expect(parseDay(text)).toBeUndefined();
    }
  });
});

describe('formatInstant', () => {
  it('matches Date#toISOString inside the Date range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        const { dayNumber, msOfDay } = splitTimestamp(ms);
        expect(formatInstant(dayNumber, msOfDay)).toBe(new Date(ms).toISOString());
      }),
    );
  });

  it('prints the largest u64 timestamp', () => {
    const { dayNumber, msOfDay } = splitTimestamp(2n ** 64n - 1n);
    // 2^64 ms is about 584.55 million Gregorian years after 1970; 51,951,615 ms into the day.
    expect(formatInstant(dayNumber, msOfDay)).toBe(`${formatDay(dayNumber)}T14:25:51.615Z`);
    expect(formatDay(dayNumber)).toMatch(/^\+584556019-/);
  });
});

describe('splitTimestamp', () => {
  it('splits exactly, for numbers and bigints, negative or beyond 2^53', () => {
    expect(splitTimestamp(86_400_000 * 3 + 5)).toEqual({ dayNumber: 3, msOfDay: 5 });
    expect(splitTimestamp(-1)).toEqual({ dayNumber: -1, msOfDay: 86_399_999 });
    expect(splitTimestamp(-1n)).toEqual({ dayNumber: -1, msOfDay: 86_399_999 });
    expect(splitTimestamp(2n ** 53n + 1n)).toEqual({ dayNumber: 104_249_991, msOfDay: 32_340_993 });
  });

  it('agrees between number and bigint inputs', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (ms) => {
        expect(splitTimestamp(ms)).toEqual(splitTimestamp(BigInt(ms)));
      }),
    );
  });
});
