import { DEFAULT_NOW } from '../../../generator';
import { FINAL_STATUSES } from '../../../lambdas/core/ledger';
import type { FaultTotals } from '../../../local/faults/fault-log';
import { FaultInjector } from '../../../local/faults/injector';
import { parseFaultSpec } from '../../../local/faults/spec';
import { isolatedEnvironment, pipelineWorkload, SpecOracle } from '../support/pipeline-oracle';
import { startQuietPipeline } from '../support/quiet-pipeline';

/**
 * One fault kind at a time on the pipeline test's workload: the fault fires, and the run still ends
 * with every dump final and exactly the spec's counts and KPIs (those of the fault-free run in
 * pipeline.test.ts), with empty DLQs.
 */
const KINDS: readonly {
  readonly spec: string;
  readonly fired: (injected: FaultTotals['injected']) => number;
  readonly seed?: number;
}[] = [
  // The parser dies at a DynamoDB, S3 or SQS call (also between startProcessing and its last send:
  // with seed 4 one died after GetObject and one before SendMessageBatch when this was written).
  { spec: 'parser-crash=0.3', fired: (i) => i.parserCrashes, seed: 4 },
  // Conditional writes and transactions refused with TransactionConflict.
  { spec: 'conflict=0.1', fired: (i) => i.conflicts },
  // Invocations stall past the lease and the visibility timeout, then carry on.
  { spec: 'pause=0.15', fired: (i) => i.pauses },
  // Each notification's copies, and each copy's first delivery to two parser instances at once.
  { spec: 's3-duplicate=2', fired: (i) => i.simultaneousDeliveries },
];

describe.each(KINDS)('dumpflow local --faults $spec', ({ spec, fired, seed }) => {
  it('fires, and every dump ends final with the fault-free counts and KPIs', async () => {
    const quiet = await startQuietPipeline('fault-kind', {
      loadEnvironment: isolatedEnvironment,
      faults: new FaultInjector(parseFaultSpec(spec), seed ?? 1),
      // Short lease and visibility timeout, so a paused invocation (longer than both) costs seconds.
      dayLeaseMs: 3_000,
      visibilityTimeoutSeconds: 5,
    });
    const { pipeline } = quiet;
    try {
      const dumps = pipelineWorkload(80);
      const oracle = new SpecOracle(DEFAULT_NOW);
      const expected = oracle.phase(dumps);
      const { report, finished } = await pipeline.runPhase(dumps, { now: DEFAULT_NOW, timeoutMs: 300_000 });

      expect(finished.every((d) => FINAL_STATUSES.has(d.ledger.status) && d.ledger.status !== 'FAILED')).toBe(
        true,
      );
      expect(report).toMatchObject(expected);
      expect(await pipeline.kpis()).toEqual(oracle.kpis());
      expect(await pipeline.deadLetters()).toEqual({ dumpQueue: 0, fanoutQueue: 0, kpiFailures: 0 });
      expect(fired(pipeline.faultTotals()!.injected)).toBeGreaterThan(0);
    } finally {
      await quiet.stop();
    }
  }, 360_000);
});
