import { configFrom } from '../../lambdas/shared/config';
import { PIPELINE_SETTINGS } from '../../lambdas/shared/pipeline-settings';
import { loadConfig, contextFromObject } from '../../lib/config';
import { localSettings } from '../../local/deployed-settings';
import { mappingFor, resourceNamed, synthesize, type Synthesized } from './synth';

/**
 * One definition per deployed setting: what the stack deploys, what the handlers assume when a
 * variable is unset, and what `dumpflow local` runs with must be the same values.
 */
describe('PIPELINE_SETTINGS', () => {
  let app: Synthesized;
  const local = localSettings();
  const handlers = configFrom({});

  beforeAll(() => {
    app = synthesize();
  });

  const functionProps = (name: string) =>
    resourceNamed(app.ingest, 'AWS::Lambda::Function', `${name}Function`).properties;
  const queueProps = (name: string) => resourceNamed(app.ingest, 'AWS::SQS::Queue', name).properties;

  it('gives the stack, the handlers and the local runtime the same function timeouts', () => {
    expect(functionProps('Parser')['Timeout']).toBe(local.parser.functionTimeoutMs / 1000);
    expect(functionProps('Worker')['Timeout']).toBe(local.worker.functionTimeoutMs / 1000);
    expect(functionProps('Kpi')['Timeout']).toBe(local.kpi.functionTimeoutMs / 1000);
    expect(functionProps('Watchdog')['Timeout']).toBe(local.watchdog.functionTimeoutMs / 1000);
    expect(functionProps('Parser')['Timeout']).toBe(PIPELINE_SETTINGS.parser.timeoutSeconds);
  });

  it('gives the queue consumers and the stream mapping the same batch, retry and start settings', () => {
    expect(mappingFor(app.ingest, 'Parser')['BatchSize']).toBe(local.parser.batchSize);
    expect(mappingFor(app.ingest, 'Worker')['BatchSize']).toBe(local.worker.batchSize);
    const kpi = mappingFor(app.ingest, 'Kpi');
    expect(kpi['BisectBatchOnFunctionError']).toBe(local.kpi.bisectBatchOnFunctionError);
    expect(kpi['MaximumRetryAttempts']).toBe(local.kpi.maxRetryAttempts);
    expect(kpi['StartingPosition']).toBe(local.kpi.startingPosition);
  });

  it('moves messages to the DLQ after the same number of receives, with visibility 6x the consumer timeout', () => {
    for (const [queue, consumer] of [
      ['DumpQueue', 'Parser'],
      ['FanoutQueue', 'Worker'],
    ] as const) {
      const props = queueProps(queue);
      expect((props['RedrivePolicy'] as { maxReceiveCount: number }).maxReceiveCount).toBe(
        local.maxReceiveCount,
      );
      expect(props['VisibilityTimeout']).toBe(
        PIPELINE_SETTINGS.visibilityTimeoutFactor * (functionProps(consumer)['Timeout'] as number),
      );
      // The emulator has one visibility timeout for both queues: the larger of the two.
      expect(local.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(props['VisibilityTimeout'] as number);
    }
  });

  it('gives the workers the same device-day lease in the stack, their own default and the local runtime', () => {
    const environment = (functionProps('Worker')['Environment'] as { Variables: Record<string, string> })
      .Variables;
    expect(Number(environment['DAY_LEASE_MS'])).toBe(handlers.dayLeaseMs);
    expect(local.dayLeaseMs).toBe(handlers.dayLeaseMs);
    // Under faults the local lease is shorter on purpose (seconds-long local retry delays).
    expect(localSettings({ faulted: true }).dayLeaseMs).toBeLessThan(handlers.dayLeaseMs);
  });

  it('gives the handlers the context defaults when a variable is unset', () => {
    const config = loadConfig(contextFromObject({}));
    expect(handlers.saltBuckets).toBe(config.saltBuckets);
    expect(handlers.rejectedPrefix).toBe(config.rejectedPrefix);
    expect(handlers.stagingPrefix).toBe(config.stagingPrefix);
    expect(handlers.serviceName).toBe(PIPELINE_SETTINGS.serviceName);
    const environment = (functionProps('Parser')['Environment'] as { Variables: Record<string, string> })
      .Variables;
    expect(environment['POWERTOOLS_SERVICE_NAME']).toBe(handlers.serviceName);
    expect(environment['POWERTOOLS_METRICS_NAMESPACE']).toBe(handlers.metricsNamespace);
  });
});
