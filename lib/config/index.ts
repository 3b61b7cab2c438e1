import { ConfigError } from '../../lambdas/core/errors';
import { readContext, type ContextSource } from './read';
import { CONTEXT_RULES, primaryRegion, streamRegion, type EnvironmentVariables } from './rules';
import type { ContributorInsightsChoice, LogLevel, Profile, RemovalChoice } from './schema';
import type { WatchSettings } from '../../lambdas/core/ledger/watch';
import type { UploadKeyLayout } from '../../lambdas/core/upload-key';

/**
 * The deployment's settings, read once from CDK context (`-c dumpflow:<key>=<value>` or cdk.json).
 * Every key is a row of schema.ts, with its default per profile (docs/deploy.md); bad values stop
 * synthesis with one ConfigError that names every bad key, its value and what is allowed.
 */

export { CONTEXT_PREFIX, contextFromObject, type ContextSource } from './read';
export type { EnvironmentVariables } from './rules';
export {
  CONTEXT_DEFAULTS,
  CONTEXT_KEYS,
  CONTEXT_SCHEMA,
  CONTRIBUTOR_INSIGHTS_CHOICES,
  LOG_LEVELS,
  LOG_RETENTION_DAYS,
  ON_DEMAND_BASELINE,
  PROFILES,
  REMOVAL_CHOICES,
  type ContextKey,
  type ContextValues,
  type ContributorInsightsChoice,
  type LogLevel,
  type Profile,
  type RemovalChoice,
} from './schema';

/**
 * A table the Ingest and Monitoring stacks use instead of the Data stack's, for example one
 * restored from a point-in-time backup (docs/operations.md). The Data stack is then not synthesized.
 */
export interface ExistingTable {
  readonly tableName: string;
  /** The table's current stream (the KPI function's trigger); a restored table needs one enabled. */
  readonly streamArn: string;
  /** The customer-managed key that encrypts the table (the functions decrypt with it). */
  readonly keyArn: string;
  /** The region of the stream and key, which is the table's. */
  readonly region: string;
}

export interface FunctionSettings {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Reserved concurrency; undefined leaves the function in the account's unreserved pool. */
  readonly reservedConcurrency: number | undefined;
}

export interface QueueConsumerSettings extends FunctionSettings {
  /** SQS event source MaximumConcurrency: how many invocations the queue may drive at once. */
  readonly maxConcurrency: number;
}

export interface DumpflowConfig {
  readonly profile: Profile;
  readonly stackPrefix: string;
  /** Primary region; undefined synthesizes environment-agnostic stacks. */
  readonly region: string | undefined;
  readonly replicaRegions: readonly string[];
  /** Replica region -> ARN of the customer-managed KMS key in that region. */
  readonly replicaKeyArns: Readonly<Record<string, string>>;
  readonly warmReadUnitsPerSecond: number;
  readonly warmWriteUnitsPerSecond: number;
  readonly saltBuckets: number;
  readonly parser: QueueConsumerSettings;
  readonly worker: QueueConsumerSettings & { readonly batchSize: number };
  readonly kpi: FunctionSettings & {
    readonly batchSize: number;
    readonly parallelizationFactor: number;
    readonly maxRecordAgeSeconds: number;
    readonly retryAttempts: number;
  };
  readonly maxReceiveCount: number;
  /** The dump watchdog: how often it runs and the deadlines it enforces (lambdas/core/ledger/watch.ts). */
  readonly watchdog: FunctionSettings & { readonly intervalMinutes: number; readonly watch: WatchSettings };
  readonly logRetentionDays: number;
  readonly logLevel: LogLevel;
  readonly alarmEmail: string | undefined;
  readonly alarmQueueAgeSeconds: number;
  readonly alarmIteratorAgeSeconds: number;
  readonly alarmUploadToCompleteP99Ms: number;
  /** Alarm when no upload notification reached the dump queue for this long; undefined: no alarm. */
  readonly alarmNoUploadsMinutes: number | undefined;
  /** Alarm when more than this share of dumps (percent) is rejected in 15 minutes. */
  readonly alarmRejectedPercent: number;
  /** Alarm when conflicts exceed this share (percent) of newly stored events in 15 minutes. */
  readonly alarmConflictPercent: number;
  /** Where docs/operations.md is published; alarm descriptions link its sections from here. */
  readonly runbookUrl: string;
  readonly contributorInsights: ContributorInsightsChoice;
  /** Set: the stacks use this table and the Data stack is left out (restore path). */
  readonly existingTable: ExistingTable | undefined;
  readonly incomingPrefix: string;
  /**
   * `device-prefix`: devices upload under `{incomingPrefix}{encoded deviceId}/` and the parser
   * rejects a dump whose header names another device (E_DEVICE_MISMATCH); `any`: no check, for
   * fleets whose gateway already vouches for the header (docs/deploy.md).
   */
  readonly uploadKeyLayout: UploadKeyLayout;
  readonly rejectedPrefix: string;
  /** Where the parser stages dense device-days for the workers. */
  readonly stagingPrefix: string;
  readonly rejectedRetentionDays: number;
  readonly processedRetentionDays: number;
  readonly noncurrentRetentionDays: number;
  readonly removalPolicy: RemovalChoice;
  /** Derived: on unless removalPolicy is `destroy`. */
  readonly deletionProtection: boolean;
}

/**
 * Reads and validates every `dumpflow:` context key, then every rule across keys. Throws one
 * ConfigError listing every problem. `environment` supplies CDK_DEFAULT_REGION, used only when
 * replicas need a concrete region.
 */
export function loadConfig(source: ContextSource, environment: EnvironmentVariables = {}): DumpflowConfig {
  const { values: first, failures: firstFailures } = readContext(source, 'dev');
  const { values: v, failures: readFailures } =
    first.profile === 'dev' ? { values: first, failures: firstFailures } : readContext(source, first.profile);
  const failures = [...readFailures, ...CONTEXT_RULES.flatMap((rule) => rule({ values: v, environment }))];
  if (failures.length === 1) throw new ConfigError(failures[0] as string);
  if (failures.length > 1) {
    throw new ConfigError(
      `${failures.length} problems in the dumpflow context:\n${failures.map((line) => `- ${line}`).join('\n')}`,
    );
  }

  const existingTable: ExistingTable | undefined =
    v.existingTableName !== undefined &&
    v.existingTableStreamArn !== undefined &&
    v.existingTableKeyArn !== undefined
      ? {
          tableName: v.existingTableName,
          streamArn: v.existingTableStreamArn,
          keyArn: v.existingTableKeyArn,
          region: streamRegion(v) as string,
        }
      : undefined;
  return {
    profile: v.profile,
    stackPrefix: v.stackPrefix,
    region: primaryRegion({ values: v, environment }),
    replicaRegions: v.replicaRegions,
    replicaKeyArns: v.replicaKeyArns,
    warmReadUnitsPerSecond: v.warmReadUnitsPerSecond,
    warmWriteUnitsPerSecond: v.warmWriteUnitsPerSecond,
    saltBuckets: v.saltBuckets,
    parser: {
      memoryMb: v.parserMemoryMb,
      timeoutSeconds: v.parserTimeoutSeconds,
      maxConcurrency: v.parserMaxConcurrency,
      reservedConcurrency: v.parserReservedConcurrency,
    },
    worker: {
      memoryMb: v.workerMemoryMb,
      timeoutSeconds: v.workerTimeoutSeconds,
      maxConcurrency: v.workerMaxConcurrency,
      reservedConcurrency: v.workerReservedConcurrency,
      batchSize: v.workerBatchSize,
    },
    kpi: {
      memoryMb: v.kpiMemoryMb,
      timeoutSeconds: v.kpiTimeoutSeconds,
      reservedConcurrency: v.kpiReservedConcurrency,
      batchSize: v.kpiBatchSize,
      parallelizationFactor: v.kpiParallelizationFactor,
      maxRecordAgeSeconds: v.kpiMaxRecordAgeSeconds,
      retryAttempts: v.kpiRetryAttempts,
    },
    maxReceiveCount: v.maxReceiveCount,
    watchdog: {
      memoryMb: v.watchdogMemoryMb,
      timeoutSeconds: v.watchdogTimeoutSeconds,
      reservedConcurrency: v.watchdogReservedConcurrency,
      intervalMinutes: v.watchdogIntervalMinutes,
      watch: {
        deadlineMs: v.dumpDeadlineMinutes * 60_000,
        kpiGraceMs: v.kpiGraceMinutes * 60_000,
        maxRedrives: v.maxRedrives,
      },
    },
    logRetentionDays: v.logRetentionDays,
    logLevel: v.logLevel,
    alarmEmail: v.alarmEmail,
    alarmQueueAgeSeconds: v.alarmQueueAgeSeconds,
    alarmIteratorAgeSeconds: v.alarmIteratorAgeSeconds,
    alarmUploadToCompleteP99Ms: v.alarmUploadToCompleteP99Ms,
    alarmNoUploadsMinutes: v.alarmNoUploadsMinutes,
    alarmRejectedPercent: v.alarmRejectedPercent,
    alarmConflictPercent: v.alarmConflictPercent,
    runbookUrl: v.runbookUrl,
    contributorInsights: v.contributorInsights,
    existingTable,
    incomingPrefix: v.incomingPrefix,
    uploadKeyLayout: v.uploadKeyLayout,
    rejectedPrefix: v.rejectedPrefix,
    stagingPrefix: v.stagingPrefix,
    rejectedRetentionDays: v.rejectedRetentionDays,
    processedRetentionDays: v.processedRetentionDays,
    noncurrentRetentionDays: v.noncurrentRetentionDays,
    removalPolicy: v.removalPolicy,
    deletionProtection: v.removalPolicy !== 'destroy',
  };
}
