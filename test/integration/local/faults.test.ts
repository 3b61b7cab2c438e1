import { DEFAULT_NOW } from '../../../generator';
import { FaultInjector } from '../../../local/faults/injector';
import { parseFaultSpec } from '../../../local/faults/spec';
import type { LocalPipeline } from '../../../local/pipeline';
import { isolatedEnvironment, pipelineWorkload, SpecOracle } from '../support/pipeline-oracle';
import { startQuietPipeline, type QuietPipeline } from '../support/quiet-pipeline';

/**
 * The fault mix on the pipeline test's workload (overlapping uploads, intra- and
 * cross-dump duplicates and conflicts, record errors, expiry, two malformed dumps): the counts
 * and KPIs must be exactly the spec's, i.e. those of the fault-free run in pipeline.test.ts.
 */
describe('startLocalPipeline with injected faults', () => {
  const SPEC = 'throttle=0.3,unprocessed=0.3,s3-duplicate=3,redeliver=2,crash=0.1,ddb-restart=1';
  // The crash injector draws from its own seeded stream, one draw per worker invocation: with this
  // seed the 1st, 4th and 6th invocations die (before reporting, then at a DynamoDB call), so every
  // run injects crashes however the batches fall. (Seed 3 first crashed at the 37th, too late.)
  // It also draws crashes for the 11th, 15th and 18th of a run's ~30-40, and messages that fail
  // together keep sharing invocations: a group in five of the six would go to the fan-out DLQ (runs
  // under load put four messages in four), so a message is in at most MAX_CRASHES_PER_MESSAGE (2)
  // crashed invocations (local/faults/crash.ts).
  const SEED = 11;
  let pipeline: LocalPipeline;
  let quiet: QuietPipeline | undefined;
  // Fewer events per day than the fault-free test: every retry under throttling backs off for real.
  const dumps = pipelineWorkload(80);
  const oracle = new SpecOracle(DEFAULT_NOW);

  beforeAll(async () => {
    quiet = await startQuietPipeline('faults', {
      loadEnvironment: isolatedEnvironment,
      faults: new FaultInjector(parseFaultSpec(SPEC), SEED),
      // Chunks here are small: a crashed worker's lease need not block its day for long.
      dayLeaseMs: 3_000,
    });
    pipeline = quiet.pipeline;
  }, 60_000);

  afterAll(async () => {
    await quiet?.stop();
  });

  it('counts every dump once and stores every valid event once, whatever was injected', async () => {
    const expected = oracle.phase(dumps);
    const { report } = await pipeline.runPhase(dumps, { now: DEFAULT_NOW });

    expect(report).toMatchObject(expected);
    expect(await pipeline.kpis()).toEqual(oracle.kpis());
    expect(await pipeline.deadLetters()).toEqual({ dumpQueue: 0, fanoutQueue: 0, kpiFailures: 0 });

    const totals = pipeline.faultTotals()!;
    expect(totals.injected.throttled).toBeGreaterThan(0);
    // Storage layout 2 never calls BatchWriteItem, so `unprocessed` finds nothing to withhold.
    expect(totals.injected.unprocessedItems).toBe(0);
    // Two extra copies of each of the 7 notifications; a second delivery of every message.
    expect(totals.injected.duplicateNotifications).toBe(2 * dumps.length);
    expect(totals.injected.redeliveries).toBeGreaterThanOrEqual(3 * dumps.length);
    expect(totals.injected.crashes).toBeGreaterThan(0);
    expect(totals.injected.outages).toBe(1);
    // Not ">= throttled": a throttle on a call's last SDK attempt, or in an environment a crash
    // has just killed, is not retried by the SDK; the queue retries the record instead.
    expect(totals.retries.sdk).toBeGreaterThan(totals.injected.throttled / 2);
    expect(totals.retries.sqs).toBeGreaterThan(0);
  }, 240_000);

  it('stores nothing new when the same dumps arrive again under the same faults', async () => {
    const expected = oracle.phase(dumps);
    const { report } = await pipeline.runPhase(dumps, { now: DEFAULT_NOW });

    expect(expected.eventsStored).toBe(0);
    expect(report).toMatchObject(expected);
    expect(await pipeline.kpis()).toEqual(oracle.kpis());
    expect(await pipeline.deadLetters()).toEqual({ dumpQueue: 0, fanoutQueue: 0, kpiFailures: 0 });
  }, 240_000);
});
