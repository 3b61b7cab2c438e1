import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { watchDumps } from '../app/watch-dumps';
import { dynamodb, sqs } from '../shared/clients';
import { config } from '../shared/config';
import { logger, metrics } from '../shared/observability';
import { METRIC_NAMES } from '../shared/metric-names';

/** Scheduled (every few minutes): looks after the dumps and KPIs in the watch index. */
export const handler = async (_event: ScheduledEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  try {
    const report = await watchDumps({
      dynamodb,
      sqs,
      tableName: config.tableName,
      dumpQueueUrl: config.dumpQueueUrl,
      watch: config.watch,
    });
    // Published every run, zeros included, so the stuck-dumps alarm sees a steady series.
    metrics.addMetric(METRIC_NAMES.stuckDumps, MetricUnit.Count, report.stuck);
    metrics.addMetric(METRIC_NAMES.dumpsRedriven, MetricUnit.Count, report.redriven);
    metrics.addMetric(METRIC_NAMES.dumpsFailed, MetricUnit.Count, report.failed);
    metrics.addMetric(METRIC_NAMES.kpisRepaired, MetricUnit.Count, report.kpisRepaired);
    logger.info('watchdog run', { ...report, capacity: undefined, readUnits: report.capacity.readUnits });
  } finally {
    metrics.publishStoredMetrics();
  }
};
