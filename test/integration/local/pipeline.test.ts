import { DEFAULT_NOW } from '../../../generator';
import type { LocalPipeline } from '../../../local/pipeline';
import { isolatedEnvironment, pipelineWorkload, SpecOracle } from '../support/pipeline-oracle';
import { startQuietPipeline, type QuietPipeline } from '../support/quiet-pipeline';

describe('startLocalPipeline', () => {
  let pipeline: LocalPipeline;
  let quiet: QuietPipeline | undefined;
  const dumps = pipelineWorkload();
  const oracle = new SpecOracle(DEFAULT_NOW);
  let environments = 0;

  beforeAll(async () => {
    quiet = await startQuietPipeline('pipeline', {
      loadEnvironment: () => {
        environments += 1;
        return isolatedEnvironment();
      },
    });
    pipeline = quiet.pipeline;
  }, 60_000);

  afterAll(async () => {
    await quiet?.stop();
  });

  it('stores each event once across overlapping dumps, rejects malformed ones, and counts like the spec', async () => {
    const expected = oracle.phase(dumps);
    const { report, finished } = await pipeline.runPhase(dumps, { now: DEFAULT_NOW });

    expect(expected.rejectedDumps).toEqual({ 'bad-crc.dump': 'E_BODY_CRC', 'truncated.dump': 'E_TRUNCATED' });
    expect(expected.rejectedRecords).toEqual({ R_TIME_RANGE: 2, R_VALUE: 2 });
    expect(expected.expired).toBe(2);
    expect(expected.conflicts).toBe(4);
    expect(report).toMatchObject(expected);
    expect(report.eventsParsed).toBe(report.expired + report.eventsStored + report.duplicates);
    expect(finished.map((f) => f.fileName)).toEqual(dumps.map((d) => d.name));
    expect(finished.every((f) => ['COMPLETE', 'REJECTED'].includes(f.ledger.status))).toBe(true);
    // The handlers' requests were all metered; events are stored as pages, far below a unit each.
    expect(report.writeUnits).toBeGreaterThan(0);
    expect(report.writeUnits).toBeLessThan(report.eventsStored / 4);
    expect(report.readUnits).toBeGreaterThan(0);
    expect(report.latencyMs.p50).toBeGreaterThan(0);
    expect(report.latencyMs.p95).toBeGreaterThanOrEqual(report.latencyMs.p50!);
    expect(report.latencyMs.p95).toBeLessThanOrEqual(report.elapsedMs);
    // Concurrent invocations each ran in their own module instance (one per parser/worker/KPI slot).
    expect(environments).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('keeps KPIs per patient that match the spec computed from the stored events', async () => {
    const kpis = await pipeline.kpis();
    expect(kpis).toHaveLength(2);
    expect(kpis).toEqual(oracle.kpis());
  });

  it('stores nothing when the same dumps are uploaded again: every valid record is a duplicate', async () => {
    const expected = oracle.phase(dumps);
    const { report } = await pipeline.runPhase(dumps, { now: DEFAULT_NOW });

    expect(expected.eventsStored).toBe(0);
    expect(report).toMatchObject(expected);
    expect(report.duplicates).toBe(report.eventsParsed - report.expired);
    expect(await pipeline.kpis()).toEqual(oracle.kpis());
  }, 60_000);
});
