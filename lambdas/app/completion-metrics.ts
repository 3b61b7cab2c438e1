import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DumpCompletion } from '../core/ledger';
import { metrics } from '../shared/observability';

/** Emitted by whichever function completes a dump; the ledger guarantees that happens once. */
export function publishCompletion(completion: DumpCompletion): void {
  metrics.addMetric('DumpsCompleted', MetricUnit.Count, 1);
  metrics.addMetric('UploadToCompleteMs', MetricUnit.Milliseconds, completion.latencyMs);
  metrics.addMetric('EventsStored', MetricUnit.Count, completion.totals.stored);
  metrics.addMetric('EventsDuplicate', MetricUnit.Count, completion.totals.duplicates);
  metrics.addMetric('EventsConflict', MetricUnit.Count, completion.totals.conflicts);
}
