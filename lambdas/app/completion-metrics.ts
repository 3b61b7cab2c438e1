import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DumpCompletion } from '../core/ledger';
import { metrics } from '../shared/observability';
import { METRIC_NAMES } from '../shared/metric-names';

/** Emitted by whichever function completes a dump; the ledger guarantees that happens once. */
export function publishCompletion(completion: DumpCompletion): void {
  metrics.addMetric(METRIC_NAMES.dumpsCompleted, MetricUnit.Count, 1);
  metrics.addMetric(METRIC_NAMES.uploadToCompleteMs, MetricUnit.Milliseconds, completion.latencyMs);
  metrics.addMetric(METRIC_NAMES.eventsStored, MetricUnit.Count, completion.totals.stored);
  metrics.addMetric(METRIC_NAMES.eventsDuplicate, MetricUnit.Count, completion.totals.duplicates);
  metrics.addMetric(METRIC_NAMES.eventsConflict, MetricUnit.Count, completion.totals.conflicts);
}
