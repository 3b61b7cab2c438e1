import { planCapacity, scaleKind, type Prices } from '../../../bench/capacity-model';
import type { KindUnits, UnitsFile } from '../../../bench/units';

const kind = (stored: number, overhead: number, reads: number, baselineReads: number): KindUnits => ({
  uploads: 1,
  days: 10,
  records: stored,
  chunks: 10,
  project: { readUnits: reads, writeUnits: stored + overhead, requests: 50, stored },
  baseline: { readUnits: baselineReads, writeUnits: stored, requests: 500, stored },
});

const units: UnitsFile = {
  source: { command: 'test', startedAt: '2025-01-01', machine: 'test', eventsPerDay: 100, note: '' },
  eventsPerDay: 100,
  chunkMessageBytesPerEvent: 20,
  perUpload: {
    week: kind(700, 30, 40, 500),
    quarter: kind(3000, 100, 120, 900),
    year: kind(10_000, 300, 400, 4000),
  },
};

const prices: Prices = {
  region: 'test',
  asOf: '2025-01-01',
  source: 'test',
  dynamodbWriteRequestUnitPerMillion: 1,
  dynamodbReadRequestUnitPerMillion: 0.5,
  dynamodbReplicatedWriteUnitPerMillion: 1,
  dynamodbStorageGbMonth: 0,
  sqsRequestPerMillion: 0,
  lambdaRequestPerMillion: 0,
  lambdaGbSecondArm64: 0,
};

describe('scaleKind', () => {
  it('scales event writes with events per day and item size, keeps per-day overhead and reads', () => {
    const s = scaleKind(kind(700, 30, 40, 500), 100, 3000, 2);
    expect(s.project.storedEvents).toBe(21_000);
    expect(s.project.writeUnits).toBe(30 + 21_000 * 2);
    expect(s.project.readUnits).toBe(40);
    expect(s.baseline.readUnits).toBe(15_000);
  });
});

describe('planCapacity', () => {
  it('weights kinds by the mix and converts per-upload units to units per second', () => {
    const plan = planCapacity(units, prices, {
      dumpsPerMinute: 60,
      mix: [1, 0, 0],
      eventsPerDay: 100,
      peakFactor: 2,
    });
    expect(plan.perUpload.project.writeUnits).toBe(730);
    expect(plan.dynamodb.writeUnitsPerSecond.average).toBe(730);
    expect(plan.dynamodb.writeUnitsPerSecond.peak).toBe(1460);
    expect(plan.dynamodb.readUnitsPerSecond.average).toBe(40);
    expect(plan.dynamodb.baselineReadUnitsPerSecond.average).toBe(500);
    expect(plan.monthlyCostUsd.dynamodbWrites).toBeCloseTo((730 * 30 * 86_400) / 1e6, 6);
    expect(plan.monthlyCostUsd.dynamodbReads).toBeCloseTo((40 * 30 * 86_400 * 0.5) / 1e6, 6);
  });

  it('mixes 70:20:10 as a weighted average', () => {
    const plan = planCapacity(units, prices, { dumpsPerMinute: 60, eventsPerDay: 100 });
    expect(plan.perUpload.project.readUnits).toBeCloseTo(0.7 * 40 + 0.2 * 120 + 0.1 * 400, 9);
  });

  it('compares the busiest partition with the 1,000 WCU/s limit with and without salting', () => {
    const plan = planCapacity(units, prices, { dumpsPerMinute: 1, eventsPerDay: 3000, batchLatencyMs: 25 });
    expect(plan.dynamodb.busiestPartitionWritesPerSecond).toEqual({
      salted: 300,
      unsalted: 3000,
      limit: 1000,
    });
  });

  it('asks for pre-warm only when the peak exceeds what a new on-demand table serves', () => {
    const low = planCapacity(units, prices, { dumpsPerMinute: 1, eventsPerDay: 100 });
    expect(low.dynamodb.prewarm.needed).toBe(false);
    const high = planCapacity(units, prices, { dumpsPerMinute: 140, eventsPerDay: 3000 });
    expect(high.dynamodb.prewarm.needed).toBe(true);
    expect(high.dynamodb.prewarm.warmTo.writeUnitsPerSecond).toBe(
      Math.ceil(high.dynamodb.writeUnitsPerSecond.peak),
    );
  });
});
