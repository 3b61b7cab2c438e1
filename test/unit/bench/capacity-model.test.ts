import { planFromUnits, type Prices } from '../../../bench/capacity-model';
import { fitLine, modelParameters } from '../../../bench/plan-units';
import { SECONDS_PER_MONTH } from '../../../bench/plan-cost';
import { planCapacity } from '../../../bench/plan-model';
import { ON_DEMAND_BASELINE } from '../../../lib/config';
import { unitsFixture, upload } from './fixtures';

const units = unitsFixture([
  upload('week', 3000, 2),
  upload('week', 3000, 2),
  upload('week', 6000, 3, 2),
  upload('quarter', 3000, 2),
  upload('year', 3000, 2),
]);

const prices: Prices = {
  region: 'test',
  asOf: '2026-12-01',
  checked: 'test',
  source: 'test',
  sources: {},
  dynamodbWriteRequestUnitPerMillion: 1,
  dynamodbReadRequestUnitPerMillion: 0.5,
  dynamodbReplicatedWriteUnitPerMillion: 1,
  dynamodbStorageGbMonth: 0.25,
  dynamodbPitrGbMonth: 0.2,
  dynamodbStreamReadRequestUnitPerMillion: 0.2,
  sqsRequestPerMillion: 0.4,
  lambdaRequestPerMillion: 0.2,
  lambdaGbSecondArm64: 0.00001,
  kmsKeyMonth: 1,
  kmsRequestPer10k: 0.03,
  logsIngestionGb: 0.5,
  logsStorageGbMonth: 0.03,
  s3StorageGbMonth: 0.023,
  s3PutPer1k: 0.005,
  s3GetPer1k: 0.0004,
  xrayTracesRecordedPerMillion: 5,
};

describe('fitLine', () => {
  it('fits y = a + b x by least squares, and falls back to a line through the origin', () => {
    expect(fitLine([1, 2, 3], [12, 14, 16])).toEqual({ a: 10, b: 2 });
    expect(fitLine([2, 2], [10, 12])).toEqual({ a: 0, b: 5.5 });
  });
});

describe('modelParameters', () => {
  it('reads the model off the measured uploads', () => {
    const p = modelParameters(units);
    expect(p.storedPerDeviceDay).toBe(18_000 / 6);
    expect(p.pageWriteUnitsPerStoredEvent).toBeCloseTo(1 / 500, 12);
    expect(p.otherWrites.perUpload).toBeCloseTo(10, 9);
    expect(p.otherWrites.perChunk).toBeCloseTo(8, 9);
    expect(p.chunksPerTouchedDay).toBe(11 / 11);
    expect(p.byKind.year?.baselineReadUnits).toBe(30_000);
  });
});

describe('planCapacity', () => {
  it('derives the cadence from patients and uploads per minute, and new events from it', () => {
    const plan = planCapacity(units, { patients: 1440, dumpsPerMinute: 1 });
    expect(plan.input.uploadsPerPatientPerDay).toBe(1);
    expect(plan.perUpload.gapDays).toBe(1);
    expect(plan.perUpload.project.storedEvents).toBe(3000);
    expect(plan.perUpload.chunks).toBe(2);
    expect(plan.perUpload.project.writeUnits).toBeCloseTo(3000 / 500 + 10 + 8 * 2, 9);
    expect(plan.dynamodb.writeUnitsPerSecond.average).toBeCloseTo((6 + 26 + 1) / 60, 9);
    expect(plan.dynamodb.writeUnitsPerSecond.peak).toBeCloseTo((3 * 33) / 60, 9);
    const other = planCapacity(units, { patients: 2880, uploadsPerPatientPerDay: 0.5 });
    expect(other.input.dumpsPerMinute).toBe(1);
    expect(other.perUpload.project.storedEvents).toBe(6000);
    expect(other.perUpload.chunks).toBe(3);
  });

  it('weights kinds by the mix and refuses a kind the run did not measure', () => {
    const plan = planCapacity(units, { mix: [1, 0, 1] });
    expect(plan.perUpload.project.otherReadUnits).toBeCloseTo((4 + 30) / 2, 9);
    expect(() => planCapacity(unitsFixture([upload('week', 3000, 2)]), { mix: [70, 20, 10] })).toThrow(
      /no measured quarter/,
    );
  });

  it("scales event writes, page reads and the source design's reads with events per day", () => {
    const plan = planCapacity(units, {
      eventsPerDay: 6000,
      patients: 1440,
      dumpsPerMinute: 1,
      mix: [1, 0, 0],
    });
    expect(plan.perUpload.project.storedEvents).toBe(6000);
    expect(plan.perUpload.project.pageWriteUnits).toBeCloseTo(12, 9);
    expect(plan.perUpload.project.pageReadUnits).toBe(6);
    expect(plan.perUpload.baseline.readUnits).toBe(6_800);
  });

  it('sizes steady-state storage from pages, summaries, per-patient items and the ledger', () => {
    const plan = planCapacity(units, { patients: 1440, dumpsPerMinute: 1, retentionDays: 400 });
    const perDay = 2 * (100 + 100) + 2.6 * 3000 + 350;
    expect(plan.storage.billedBytesPerDeviceDay).toBeCloseTo(perDay, 9);
    expect(plan.storage.tableGb).toBeCloseTo(
      (1440 * 400 * perDay + 1440 * 500 + 1440 * 400 * 1200) / 2 ** 30,
      9,
    );
  });
});

describe('planFromUnits', () => {
  const plan = planFromUnits(units, prices, { replicas: 1 });

  it('gives every cost line from its printed inputs, and a total that is their sum', () => {
    const line = (name: string) => plan.monthlyCostUsd.lines.find((l) => l.name === name)!.usd;
    expect(line('dynamodbWrites')).toBeCloseTo(
      (plan.dynamodb.writeUnitsPerSecond.average * SECONDS_PER_MONTH) / 1e6,
      9,
    );
    expect(line('dynamodbReads')).toBeCloseTo(
      (plan.dynamodb.readUnitsPerSecond.average * SECONDS_PER_MONTH * 0.5) / 1e6,
      9,
    );
    expect(line('dynamodbStorage')).toBeCloseTo(plan.storage.tableGb * 0.25, 9);
    expect(line('pointInTimeRecovery')).toBeCloseTo(plan.storage.tableGb * 2 * 0.2, 9);
    expect(line('replicatedWrites')).toBeCloseTo(line('dynamodbWrites'), 9);
    expect(line('replicaStorage')).toBeCloseTo(line('dynamodbStorage'), 9);
    expect(line('streams')).toBe(0);
    expect(plan.monthlyCostUsd.total).toBeCloseTo(
      plan.monthlyCostUsd.lines.reduce((n, l) => n + l.usd, 0),
      9,
    );
    for (const l of plan.monthlyCostUsd.lines) expect(l.formula.length).toBeGreaterThan(10);
  });

  it('agrees with new events/s x measured write units per stored event plus the per-upload overhead', () => {
    expect(plan.writeUnitsCheck.within1_5x).toBe(true);
  });

  it('deploys the warm throughput and concurrency the peak needs, never below a new table', () => {
    const d = plan.deployment;
    expect(d.warmReadUnitsPerSecond).toBeGreaterThanOrEqual(ON_DEMAND_BASELINE.readUnitsPerSecond);
    expect(d.warmWriteUnitsPerSecond).toBeGreaterThanOrEqual(ON_DEMAND_BASELINE.writeUnitsPerSecond);
    expect(d.parserReservedConcurrency).toBe(d.parserMaxConcurrency);
    expect(d.parserMaxConcurrency).toBeGreaterThanOrEqual(d.peakConcurrency.parser * d.headroom);
    expect(d.workerMaxConcurrency).toBeGreaterThanOrEqual(d.peakConcurrency.worker * d.headroom);
    expect(d.context['workerMaxConcurrency']).toBe(d.workerMaxConcurrency);
    expect(d.withinDefaultQuotas).toBe(true);
  });
});
