import { computeKpis, type DayKpiInputs } from '../../../lambdas/core/kpi/compute';
import { scaledDouble } from '../../../lambdas/core/kpi/exact-sum';

const ASOF = 19_828; // 2024-04-15

function day(offset: number, overrides: Partial<DayKpiInputs> = {}): DayKpiInputs {
  return {
    dayNumber: ASOF - offset,
    therapySeconds: 0,
    apneaHypopnea: 0,
    leakSum: 0n,
    leakCount: 0,
    alarms: 0,
    events: 1,
    ...overrides,
  };
}

describe('computeKpis', () => {
  it('uses the 45-day window and the last 30 days for compliance', () => {
    const days = [
      day(0, { therapySeconds: 14_400 }),
      day(29, { therapySeconds: 20_000 }),
      day(30, { therapySeconds: 14_400 }),
      day(44, { therapySeconds: 14_399, alarms: 2 }),
      day(45, { therapySeconds: 50_000, alarms: 7, events: 9 }),
    ];
    const kpis = computeKpis(days, ASOF);
    expect(kpis.asOf).toBe('2024-04-15');
    expect(kpis.windowStart).toBe('2024-03-02');
    expect(kpis.usageDays).toBe(3);
    expect(kpis.compliancePct).toBe(6.7); // 2/30 = 6.666..
    expect(kpis.avgUsageMinutes).toBe(23.4); // 63,199 s / 2,700 = 23.407
    expect(kpis.alarms).toBe(2);
    expect(kpis.events).toBe(4);
  });

  it('rounds exact ties half away from zero', () => {
    // 2,700 x 0.05 = 135 s -> exactly 0.05 min -> 0.1
    expect(computeKpis([day(0, { therapySeconds: 135 })], ASOF).avgUsageMinutes).toBe(0.1);
    // 1 event in 1,600 s -> 2.25 exactly -> 2.25; 1 in 2,880,000 s -> 0.00125 -> 0.00
    expect(computeKpis([day(0, { therapySeconds: 1600, apneaHypopnea: 1 })], ASOF).ahi).toBe(2.25);
    // 9 events / (4,800 s / 3,600) = 6.75; and 1 / (288,000/3,600) = 0.0125 -> 0.01
    expect(computeKpis([day(0, { therapySeconds: 4800, apneaHypopnea: 9 })], ASOF).ahi).toBe(6.75);
    expect(computeKpis([day(0, { therapySeconds: 288_000, apneaHypopnea: 1 })], ASOF).ahi).toBe(0.01);
    // 1/80 = 0.0125 exactly in binary -> 0.01; 3/80 = 0.0375 -> 0.04
    expect(computeKpis([day(0, { therapySeconds: 288_000, apneaHypopnea: 3 })], ASOF).ahi).toBe(0.04);
  });

  it('gives ahi null without therapy time and meanLeak null without leak events', () => {
    const kpis = computeKpis([day(0, { apneaHypopnea: 4 })], ASOF);
    expect(kpis.ahi).toBeNull();
    expect(kpis.meanLeak).toBeNull();
    expect(kpis.compliancePct).toBe(0);
  });

  it('takes meanLeak from the exact sum: 0.125 rounds to 0.13 and -0.125 to -0.13', () => {
    const leak = (values: number[]) => ({
      leakSum: values.reduce((a, v) => a + scaledDouble(v), 0n),
      leakCount: values.length,
    });
    expect(computeKpis([day(0, leak([0.125]))], ASOF).meanLeak).toBe(0.13);
    expect(computeKpis([day(0, leak([-0.125]))], ASOF).meanLeak).toBe(-0.13);
    // 0.1 + 0.2 as doubles is slightly above 0.3: the exact mean 0.15000000000000000277 -> 0.15
    expect(computeKpis([day(0, leak([0.1])), day(1, leak([0.2]))], ASOF).meanLeak).toBe(0.15);
    // A float sum of [1e17, 1, -1e17] gives 0; the exact mean is 1/3 -> 0.33
    expect(computeKpis([day(0, leak([1e17, 1, -1e17]))], ASOF).meanLeak).toBe(0.33);
  });
});
