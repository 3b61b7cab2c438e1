/**
 * The pipeline's deployed settings that the CDK stacks, the handlers and the local runtime must
 * agree on, defined once (as ENV and TABLE_DEFINITION are): function timeouts, queue consumer and
 * stream mapping settings, the DLQ threshold, the device-day lease, the prefixes and the service
 * name. The CDK context (lib/config/schema.ts) takes its defaults from here, the handlers fall
 * back to these values when an environment variable is unset, and `dumpflow local` runs with
 * them; a test (test/infra/pipeline-settings.test.ts) fails if the three disagree.
 */

export const PIPELINE_SETTINGS = {
  /** POWERTOOLS_SERVICE_NAME, and the `service` dimension of every metric. */
  serviceName: 'dumpflow',
  /** POWERTOOLS_METRICS_NAMESPACE. */
  metricsNamespace: 'dumpflow',
  /** Partition-key salts of a device-day's pages (SALT_BUCKETS). */
  saltBuckets: 10,
  incomingPrefix: 'incoming/',
  rejectedPrefix: 'rejected/',
  stagingPrefix: 'staging/',
  /** Receives before SQS moves a dump or chunk message to its DLQ. */
  maxReceiveCount: 5,
  /** AWS's guidance for SQS event sources: a visibility timeout of at least 6x the function timeout. */
  visibilityTimeoutFactor: 6,
  parser: {
    timeoutSeconds: 120,
    /** One notification per invocation: a dump is up to ~35 MB and a whole invocation's work. */
    batchSize: 1,
  },
  worker: { timeoutSeconds: 60, batchSize: 10 },
  kpi: {
    timeoutSeconds: 30,
    batchSize: 100,
    batchingWindowSeconds: 1,
    retryAttempts: 5,
    maxRecordAgeSeconds: 3600,
    bisectBatchOnError: true,
    /**
     * A new or re-created mapping starts with the oldest record still in the stream (24 h), so
     * day summaries written before it existed still get their KPIs; replays are harmless because
     * the KPI function recomputes from the table.
     */
    startingPosition: 'TRIM_HORIZON',
  },
  watchdog: { timeoutSeconds: 120, intervalMinutes: 5 },
} as const;

/**
 * The device-day lease for a worker timeout: longer than an invocation can run, plus a minute of
 * margin for clock skew and retries, so a live holder never loses its lease to a timeout. (A
 * holder that lost it anyway cannot write: every page write is conditional on the lease.)
 */
export function dayLeaseMsFor(workerTimeoutSeconds: number): number {
  return (workerTimeoutSeconds + 60) * 1000;
}

/** The lease at the deployed worker timeout (DAY_LEASE_MS when unset). */
export const DEFAULT_DAY_LEASE_MS = dayLeaseMsFor(PIPELINE_SETTINGS.worker.timeoutSeconds);
