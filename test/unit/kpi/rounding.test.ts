import fc from 'fast-check';
import { roundRational } from '../../../lambdas/core/kpi/rounding';
import { formatScaledSum, parseScaledSum, scaledDouble, SCALE } from '../../../lambdas/core/kpi/exact-sum';

describe('roundRational', () => {
  it('rounds ties half away from zero', () => {
    expect(roundRational(5n, 2n, 0)).toBe(3);
    expect(roundRational(-5n, 2n, 0)).toBe(-3);
    expect(roundRational(1n, 8n, 2)).toBe(0.13);
    expect(roundRational(-1n, 8n, 2)).toBe(-0.13);
    expect(roundRational(2675n, 1000n, 2)).toBe(2.68);
    expect(roundRational(1n, 3n, 1)).toBe(0.3);
    expect(roundRational(-1n, 1000n, 2)).toBe(0);
    expect(Object.is(roundRational(-1n, 1000n, 2), -0)).toBe(false);
  });

  it('handles negative denominators and big values', () => {
    expect(roundRational(5n, -2n, 0)).toBe(-3);
    expect(roundRational(10n ** 30n + 5n, 10n, 0)).toBe(1e29 + 1);
  });

  it('agrees with exact decimal rounding', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (num, den) => {
          const scaled = num * 100n;
          const q = scaled / den;
          const r = scaled % den;
          const abs = (x: bigint) => (x < 0n ? -x : x);
          const away = 2n * abs(r) >= den ? q + (num < 0n ? -1n : 1n) : q;
          return roundRational(num, den, 2) === Number(away) / 100;
        },
      ),
    );
  });
});

describe('exact sums of doubles', () => {
  it('scales doubles exactly (normal, subnormal, negative)', () => {
    expect(scaledDouble(1)).toBe(SCALE);
    expect(scaledDouble(-0.5)).toBe(-(SCALE / 2n));
    expect(scaledDouble(5e-324)).toBe(1n);
    expect(scaledDouble(0)).toBe(0n);
    expect(scaledDouble(-0)).toBe(0n);
    expect(() => scaledDouble(Infinity)).toThrow(RangeError);
  });

  it('gives the same sum in any order and round-trips its compact text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 20 }),
        (values) => {
          const forward = values.reduce((acc, v) => acc + scaledDouble(v), 0n);
          const backward = [...values].reverse().reduce((acc, v) => acc + scaledDouble(v), 0n);
          return forward === backward && parseScaledSum(formatScaledSum(forward)) === forward;
        },
      ),
    );
    expect(formatScaledSum(scaledDouble(23.5))).toBe('2fp-1');
    expect(formatScaledSum(0n)).toBe('0');
    expect(() => parseScaledSum('zz')).toThrow(RangeError);
  });
});
