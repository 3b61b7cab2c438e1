import { dayLeaseMsFor, PIPELINE_SETTINGS } from '../lambdas/shared/pipeline-settings';

/**
 * The event-source and function settings `dumpflow local` runs with: the deployed ones
 * (lambdas/shared/pipeline-settings.ts), so local runs exercise what AWS runs. Only a faulted run
 * changes some, and says why below; test/infra/pipeline-settings.test.ts holds the fault-free
 * settings to the synthesized stack's.
 */

export interface LocalSettingsOptions {
  /** Extra deliveries per message that `--faults redeliver=N` adds on purpose. @default 1 */
  readonly deliveriesPerMessage?: number;
  /** A faulted run: shorter leases so crashed holders free their day in seconds. */
  readonly faulted?: boolean;
  /**
   * `--faults pause`: a stalled invocation must outlast its message's visibility timeout, so the
   * timeout is shortened (the deployed 720 s would make a run last hours), and two receives are
   * added: the one a paused invocation's message gets while it stalls, and one for a slow batch
   * the short timeout lets another poller see again.
   */
  readonly paused?: boolean;
}

export interface LocalSettings {
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
  readonly parser: { readonly batchSize: number; readonly functionTimeoutMs: number };
  readonly worker: { readonly batchSize: number; readonly functionTimeoutMs: number };
  readonly kpi: {
    readonly functionTimeoutMs: number;
    readonly bisectBatchOnFunctionError: boolean;
    readonly maxRetryAttempts: number;
    readonly startingPosition: 'TRIM_HORIZON';
  };
  readonly watchdog: { readonly functionTimeoutMs: number };
  /** DAY_LEASE_MS for the workers. */
  readonly dayLeaseMs: number;
}

const PAUSED_VISIBILITY_TIMEOUT_SECONDS = 30;
const PAUSED_EXTRA_RECEIVES = 2;

/** Under faults: the local retry delays are seconds, not Lambda's minutes. */
const FAULTED_DAY_LEASE_MS = 20_000;

export function localSettings(options: LocalSettingsOptions = {}): LocalSettings {
  const s = PIPELINE_SETTINGS;
  return {
    // The deployed threshold, plus the deliveries `redeliver` adds on purpose.
    maxReceiveCount:
      s.maxReceiveCount +
      ((options.deliveriesPerMessage ?? 1) - 1) +
      (options.paused ? PAUSED_EXTRA_RECEIVES : 0),
    // One visibility timeout for both queues (the emulator has one): the larger consumer's rule.
    visibilityTimeoutSeconds: options.paused
      ? PAUSED_VISIBILITY_TIMEOUT_SECONDS
      : s.visibilityTimeoutFactor * Math.max(s.parser.timeoutSeconds, s.worker.timeoutSeconds),
    parser: { batchSize: s.parser.batchSize, functionTimeoutMs: s.parser.timeoutSeconds * 1000 },
    worker: { batchSize: s.worker.batchSize, functionTimeoutMs: s.worker.timeoutSeconds * 1000 },
    kpi: {
      functionTimeoutMs: s.kpi.timeoutSeconds * 1000,
      bisectBatchOnFunctionError: s.kpi.bisectBatchOnError,
      maxRetryAttempts: s.kpi.retryAttempts,
      startingPosition: s.kpi.startingPosition,
    },
    watchdog: { functionTimeoutMs: s.watchdog.timeoutSeconds * 1000 },
    dayLeaseMs: options.faulted ? FAULTED_DAY_LEASE_MS : dayLeaseMsFor(s.worker.timeoutSeconds),
  };
}
