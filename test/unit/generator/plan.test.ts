import {
  DEFAULT_NOW,
  GeneratorOptionsError,
  parseMix,
  plan,
  resolveOptions,
  type UploadPlan,
} from '../../../generator';

const MS_PER_DAY = 86_400_000;

function shares(plans: UploadPlan[]): Record<string, number> {
  const out: Record<string, number> = { week: 0, quarter: 0, year: 0 };
  for (const p of plans) out[p.kind]! += 1 / plans.length;
  return out;
}

describe('plan (upload planning)', () => {
  it('follows the default 70:20:10 mix roughly', () => {
    const plans = plan({ devices: 1500, uploadsPerDevice: 2 });
    const s = shares(plans);
    expect(s.week).toBeCloseTo(0.7, 1);
    expect(s.quarter).toBeCloseTo(0.2, 1);
    expect(s.year).toBeCloseTo(0.1, 1);
  });

  it('gives each kind its coverage: 7 days, 8-90 days, 91-365 days', () => {
    for (const p of plan({ devices: 500, uploadsPerDevice: 2 })) {
      expect(p.lastDay - p.firstDay + 1).toBe(p.coverageDays);
      if (p.kind === 'week') expect(p.coverageDays).toBe(7);
      if (p.kind === 'quarter') expect([p.coverageDays >= 8, p.coverageDays <= 90]).toEqual([true, true]);
      if (p.kind === 'year') expect([p.coverageDays >= 91, p.coverageDays <= 365]).toEqual([true, true]);
    }
  });

  it('follows a custom mix and caps coverage at `days`', () => {
    expect(shares(plan({ devices: 200, mix: [0, 0, 1] })).year).toBeCloseTo(1, 5);
    expect(shares(plan({ devices: 400, mix: parseMix('50:50:0') })).week).toBeCloseTo(0.5, 1);
    const capped = plan({ devices: 200, days: 10 });
    expect(Math.max(...capped.map((p) => p.coverageDays))).toBeLessThanOrEqual(10);
  });

  it('anchors the latest upload of each device within 6 hours before now (fixed by default)', () => {
    const plans = plan({ devices: 50, uploadsPerDevice: 3 });
    const latest = plans.filter((p) => p.upload === 3);
    expect(latest).toHaveLength(50);
    for (const p of latest) {
      expect(p.createdAt).toBeLessThanOrEqual(DEFAULT_NOW);
      expect(p.createdAt).toBeGreaterThanOrEqual(DEFAULT_NOW - 6 * 3_600_000);
      expect(p.lastDay).toBe(Math.floor(p.createdAt / MS_PER_DAY));
    }
    const custom = plan({ devices: 1, now: Date.UTC(2030, 0, 1) });
    expect(custom.at(-1)!.createdAt).toBeLessThanOrEqual(Date.UTC(2030, 0, 1));
  });

  it('numbers devices from firstDevice so separate runs do not collide', () => {
    const a = plan({ devices: 3 }).map((p) => p.deviceId);
    const b = plan({ devices: 3, firstDevice: 3 }).map((p) => p.deviceId);
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    expect(b.every((id) => id.length <= 16)).toBe(true);
  });
});

describe('parseMix / resolveOptions', () => {
  it('parses week:quarter:year', () => {
    expect(parseMix('70:20:10')).toEqual([70, 20, 10]);
    expect(parseMix('1:0:0')).toEqual([1, 0, 0]);
    expect(parseMix(' 0.5 : 0.25:0.25')).toEqual([0.5, 0.25, 0.25]);
  });

  it.each(['70:30', '70:20:10:0', 'a:b:c', '-1:50:51', '0:0:0', '70::30', ''])(
    'rejects the mix "%s"',
    (text) => {
      expect(() => parseMix(text)).toThrow(GeneratorOptionsError);
    },
  );

  it('rejects out-of-range options with a message naming the option', () => {
    expect(() => resolveOptions({ devices: 0 })).toThrow(/devices must be a whole number from 1/);
    expect(() => resolveOptions({ days: 366 })).toThrow(/days/);
    expect(() => resolveOptions({ eventsPerDay: 1.5 })).toThrow(/eventsPerDay/);
    expect(() => resolveOptions({ seed: -1 })).toThrow(/seed/);
    expect(() => resolveOptions({ now: 0 })).toThrow(/now/);
    expect(() => resolveOptions({ mix: [0, 0, 0] })).toThrow(GeneratorOptionsError);
  });

  it('fills in the documented defaults', () => {
    expect(resolveOptions()).toEqual({
      devices: 10,
      firstDevice: 0,
      uploadsPerDevice: 2,
      days: 365,
      eventsPerDay: 3000,
      seed: 1,
      mix: [70, 20, 10],
      now: Date.UTC(2025, 5, 1, 12),
    });
  });
});
