import { DEFAULT_WATCH, type WatchSettings } from '../lambdas/core/ledger/watch';
import { ConfigError } from '../lambdas/core/errors';
import { DEFAULT_STAGING_PREFIX } from '../lambdas/core/storage/plan-fan-out';
import {
  DEFAULT_INCOMING_PREFIX,
  DEFAULT_UPLOAD_KEY_LAYOUT,
  UPLOAD_KEY_LAYOUTS,
  type UploadKeyLayout,
} from '../lambdas/core/upload-key';

/**
 * The deployment's settings, read once from CDK context (`-c dumpflow:<key>=<value>` or cdk.json).
 * Every key has a documented default per profile (docs/deploy.md); a bad value stops synthesis
 * with a ConfigError that names the key, the value and what is allowed.
 */

export const CONTEXT_PREFIX = 'dumpflow:';

export const PROFILES = ['dev', 'production'] as const;
export type Profile = (typeof PROFILES)[number];

export const REMOVAL_CHOICES = ['retain', 'destroy'] as const;
export type RemovalChoice = (typeof REMOVAL_CHOICES)[number];

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * CloudWatch Contributor Insights on the table. It reports the most-used partition keys, and
 * dumpflow's keys hold patient and device ids in clear text: they land in CloudWatch, outside the
 * table's KMS key, readable by anyone allowed cloudwatch:GetInsightRuleReport. `throttled-keys`
 * reports only keys of throttled requests (the hot-key signal, nothing when healthy);
 * `accessed-and-throttled-keys` reports every key accessed. Trade-off: docs/operations.md.
 */
export const CONTRIBUTOR_INSIGHTS_CHOICES = ['off', 'throttled-keys', 'accessed-and-throttled-keys'] as const;
export type ContributorInsightsChoice = (typeof CONTRIBUTOR_INSIGHTS_CHOICES)[number];

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

/** The retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** What a new on-demand table can serve instantly; warm throughput cannot be set below it. */
export const ON_DEMAND_BASELINE = { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 4_000 } as const;

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

/** Context keys (without the `dumpflow:` prefix) with their defaults per profile. */
interface Defaults {
  readonly replicaRegions: readonly string[];
  readonly warmReadUnitsPerSecond: number;
  readonly warmWriteUnitsPerSecond: number;
  readonly parserMaxConcurrency: number;
  readonly parserReservedConcurrency: number | undefined;
  readonly workerMaxConcurrency: number;
  readonly workerReservedConcurrency: number | undefined;
  readonly kpiReservedConcurrency: number | undefined;
  readonly watchdogReservedConcurrency: number | undefined;
  readonly kpiParallelizationFactor: number;
  readonly logRetentionDays: number;
  readonly rejectedRetentionDays: number;
  readonly processedRetentionDays: number;
  readonly noncurrentRetentionDays: number;
  readonly alarmNoUploadsMinutes: number | undefined;
  readonly contributorInsights: ContributorInsightsChoice;
}

export const PROFILE_DEFAULTS: Readonly<Record<Profile, Defaults>> = {
  dev: {
    replicaRegions: [],
    // AWS's own starting values for a new on-demand table: no pre-warm charge.
    warmReadUnitsPerSecond: ON_DEMAND_BASELINE.readUnitsPerSecond,
    warmWriteUnitsPerSecond: ON_DEMAND_BASELINE.writeUnitsPerSecond,
    parserMaxConcurrency: 5,
    parserReservedConcurrency: undefined,
    workerMaxConcurrency: 20,
    workerReservedConcurrency: undefined,
    kpiReservedConcurrency: undefined,
    watchdogReservedConcurrency: undefined,
    kpiParallelizationFactor: 1,
    logRetentionDays: 30,
    rejectedRetentionDays: 30,
    processedRetentionDays: 7,
    noncurrentRetentionDays: 7,
    // A dev stack is quiet most of the time: an alarm on silence would only page for that.
    alarmNoUploadsMinutes: undefined,
    // Dev data is synthetic, so showing its keys costs nothing, and hot keys matter when load-testing.
    contributorInsights: 'throttled-keys',
  },
  production: {
    replicaRegions: [],
    // `dumpflow plan` for the target load (140 uploads/min from 200,000 patients, 3,000 events per
    // device-day, peak 3x the average, headroom 2x; docs/benchmarks.md): peaks of 83 read and 308
    // write units/s are far below what a new on-demand table serves at once, so the table keeps
    // AWS's own starting values (no pre-warm charge). A test holds these to the plan's output.
    warmReadUnitsPerSecond: ON_DEMAND_BASELINE.readUnitsPerSecond,
    warmWriteUnitsPerSecond: ON_DEMAND_BASELINE.writeUnitsPerSecond,
    // Peak concurrency x 2, in steps of 5, at least 10: parser 21 (3 s per upload, an assumption),
    // worker 6.1 (1.74 chunks per upload x 0.5 s), KPI 1.4 (0.2 s per upload).
    parserMaxConcurrency: 45,
    parserReservedConcurrency: 45,
    workerMaxConcurrency: 15,
    workerReservedConcurrency: 15,
    kpiReservedConcurrency: 10,
    // One run at a time is all the watchdog needs.
    watchdogReservedConcurrency: 1,
    kpiParallelizationFactor: 2,
    logRetentionDays: 365,
    rejectedRetentionDays: 365,
    processedRetentionDays: 90,
    noncurrentRetentionDays: 30,
    // A fleet uploads around the clock; an hour without a single upload means the path is broken.
    alarmNoUploadsMinutes: 60,
    // Patient ids stay out of CloudWatch unless an operator turns this on (docs/operations.md).
    contributorInsights: 'off',
  },
};

/** Profile-independent defaults. */
export const COMMON_DEFAULTS = {
  stackPrefix: 'Dumpflow',
  saltBuckets: 10,
  parserMemoryMb: 3008,
  parserTimeoutSeconds: 120,
  workerMemoryMb: 1024,
  workerTimeoutSeconds: 60,
  workerBatchSize: 10,
  kpiMemoryMb: 512,
  kpiTimeoutSeconds: 30,
  kpiBatchSize: 100,
  kpiMaxRecordAgeSeconds: 3600,
  kpiRetryAttempts: 5,
  maxReceiveCount: 5,
  watchdogMemoryMb: 512,
  watchdogTimeoutSeconds: 120,
  watchdogIntervalMinutes: 5,
  dumpDeadlineMinutes: DEFAULT_WATCH.deadlineMs / 60_000,
  kpiGraceMinutes: DEFAULT_WATCH.kpiGraceMs / 60_000,
  maxRedrives: DEFAULT_WATCH.maxRedrives,
  logLevel: 'INFO' as LogLevel,
  alarmQueueAgeSeconds: 120,
  alarmIteratorAgeSeconds: 600,
  alarmUploadToCompleteP99Ms: 60_000,
  alarmRejectedPercent: 5,
  alarmConflictPercent: 1,
  runbookUrl: 'docs/operations.md',
  incomingPrefix: DEFAULT_INCOMING_PREFIX,
  uploadKeyLayout: DEFAULT_UPLOAD_KEY_LAYOUT as UploadKeyLayout,
  rejectedPrefix: 'rejected/',
  stagingPrefix: DEFAULT_STAGING_PREFIX,
  removalPolicy: 'retain' as RemovalChoice,
} as const;

/** Every key the loader understands; anything else under `dumpflow:` is a typo and fails. */
export const CONTEXT_KEYS = [
  'profile',
  'stackPrefix',
  'region',
  'replicaRegions',
  'replicaKeyArns',
  'warmReadUnitsPerSecond',
  'warmWriteUnitsPerSecond',
  'saltBuckets',
  'parserMemoryMb',
  'parserTimeoutSeconds',
  'parserMaxConcurrency',
  'parserReservedConcurrency',
  'workerMemoryMb',
  'workerTimeoutSeconds',
  'workerMaxConcurrency',
  'workerReservedConcurrency',
  'workerBatchSize',
  'kpiMemoryMb',
  'kpiTimeoutSeconds',
  'kpiReservedConcurrency',
  'kpiBatchSize',
  'kpiParallelizationFactor',
  'kpiMaxRecordAgeSeconds',
  'kpiRetryAttempts',
  'maxReceiveCount',
  'watchdogMemoryMb',
  'watchdogTimeoutSeconds',
  'watchdogReservedConcurrency',
  'watchdogIntervalMinutes',
  'dumpDeadlineMinutes',
  'kpiGraceMinutes',
  'maxRedrives',
  'logRetentionDays',
  'logLevel',
  'alarmEmail',
  'alarmQueueAgeSeconds',
  'alarmIteratorAgeSeconds',
  'alarmUploadToCompleteP99Ms',
  'alarmNoUploadsMinutes',
  'alarmRejectedPercent',
  'alarmConflictPercent',
  'runbookUrl',
  'contributorInsights',
  'existingTableName',
  'existingTableStreamArn',
  'existingTableKeyArn',
  'incomingPrefix',
  'uploadKeyLayout',
  'rejectedPrefix',
  'stagingPrefix',
  'rejectedRetentionDays',
  'processedRetentionDays',
  'noncurrentRetentionDays',
  'removalPolicy',
] as const;
export type ContextKey = (typeof CONTEXT_KEYS)[number];

/** Where context comes from: a construct node (`app.node`) or a plain object in tests. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
  getAllContext?(): Record<string, unknown>;
}

/** Values for AWS environment resolution, normally `process.env` of the CDK app. */
export interface EnvironmentVariables {
  readonly CDK_DEFAULT_REGION?: string;
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]+$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PREFIX_PATTERN = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/;
const STACK_PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;
const TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;
const STREAM_ARN_PATTERN =
  /^arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):(\d{12}):table\/([A-Za-z0-9_.-]{3,255})\/stream\/[0-9A-Za-z:._-]+$/;
const HTTPS_URL_PATTERN = /^https:\/\/[^\s#]+$/;

function fail(key: ContextKey, raw: unknown, rule: string): never {
  const shown = typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw);
  throw new ConfigError(`context ${CONTEXT_PREFIX}${key} ${rule}, got ${shown}; see docs/deploy.md`);
}

class ContextReader {
  constructor(private readonly source: ContextSource) {}

  raw(key: ContextKey): unknown {
    const value = this.source.tryGetContext(CONTEXT_PREFIX + key);
    return value === '' || value === null ? undefined : value;
  }

  int(key: ContextKey, fallback: number, min: number, max: number): number {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      fail(key, raw, `must be a whole number from ${min} to ${max}`);
    }
    return value;
  }

  /** An integer, or `none` (or absent with an undefined default) for "not set". */
  optionalInt(key: ContextKey, fallback: number | undefined, min: number, max: number): number | undefined {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    if (typeof raw === 'string' && raw.trim().toLowerCase() === 'none') return undefined;
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      fail(key, raw, `must be a whole number from ${min} to ${max}, or "none"`);
    }
    return value;
  }

  choice<T extends string>(key: ContextKey, fallback: T, allowed: readonly T[]): T {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string' || !(allowed as readonly string[]).includes(raw)) {
      fail(key, raw, `must be one of ${allowed.join(', ')}`);
    }
    return raw as T;
  }

  string(key: ContextKey, fallback: string, pattern: RegExp, rule: string): string {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string' || !pattern.test(raw)) fail(key, raw, rule);
    return raw;
  }

  optionalString(key: ContextKey, pattern: RegExp, rule: string): string | undefined {
    const raw = this.raw(key);
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || !pattern.test(raw)) fail(key, raw, rule);
    return raw;
  }

  /** A JSON array of strings, or a comma-separated string (the form `-c` gives). */
  list(key: ContextKey, fallback: readonly string[]): readonly string[] {
    const raw = this.raw(key);
    if (raw === undefined) return fallback;
    const items = Array.isArray(raw)
      ? raw
      : typeof raw === 'string'
        ? parseJsonOr(raw, () => raw.split(','))
        : fail(key, raw, 'must be a list of strings');
    if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
      fail(key, raw, 'must be a list of strings');
    }
    return (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  }

  /** A JSON object of strings, or `name=value,name=value`. */
  map(key: ContextKey): Readonly<Record<string, string>> {
    const raw = this.raw(key);
    if (raw === undefined) return {};
    const parsed: unknown =
      typeof raw === 'string'
        ? parseJsonOr(raw, () =>
            Object.fromEntries(
              raw
                .split(',')
                .filter((pair) => pair.trim() !== '')
                .map((pair) => {
                  const at = pair.indexOf('=');
                  if (at < 1) fail(key, raw, 'must be a JSON object or name=value pairs separated by commas');
                  return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
                }),
            ),
          )
        : raw;
    if (
      typeof parsed !== 'object' ||
      parsed === null ||
      Array.isArray(parsed) ||
      !Object.values(parsed).every((value) => typeof value === 'string')
    ) {
      fail(key, raw, 'must be a JSON object or name=value pairs separated by commas');
    }
    return parsed as Record<string, string>;
  }
}

function parseJsonOr(text: string, otherwise: () => unknown): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return undefined;
    }
  }
  return otherwise();
}

function rejectUnknownKeys(source: ContextSource): void {
  const all = source.getAllContext?.() ?? {};
  const known = new Set<string>(CONTEXT_KEYS.map((key) => CONTEXT_PREFIX + key));
  for (const key of Object.keys(all)) {
    if (key.startsWith(CONTEXT_PREFIX) && !known.has(key)) {
      throw new ConfigError(
        `unknown context key ${key}; the dumpflow keys are listed in docs/deploy.md (check the spelling)`,
      );
    }
  }
}

/**
 * Reads and validates every `dumpflow:` context key. Throws ConfigError on the first bad value.
 * `environment` supplies CDK_DEFAULT_REGION, used only when replicas need a concrete region.
 */
export function loadConfig(source: ContextSource, environment: EnvironmentVariables = {}): DumpflowConfig {
  rejectUnknownKeys(source);
  const read = new ContextReader(source);
  const profile = read.choice<Profile>('profile', 'dev', PROFILES);
  const d = PROFILE_DEFAULTS[profile];
  const c = COMMON_DEFAULTS;

  const replicaRegions = read.list('replicaRegions', d.replicaRegions);
  for (const region of replicaRegions) {
    if (!REGION_PATTERN.test(region)) {
      fail('replicaRegions', region, 'must hold AWS region names such as eu-west-1');
    }
  }
  if (new Set(replicaRegions).size !== replicaRegions.length) {
    fail('replicaRegions', replicaRegions.join(','), 'must not name a region twice');
  }

  const contextRegion = read.optionalString(
    'region',
    REGION_PATTERN,
    'must be an AWS region name such as eu-west-1',
  );
  const existingTable = readExistingTable(read, contextRegion, replicaRegions);
  const defaultRegion = environment.CDK_DEFAULT_REGION?.trim() || undefined;
  // Without replicas the stacks stay environment-agnostic so synth needs no credentials. An
  // existing table pins them to its region: the functions and their stream mapping must live there.
  const region =
    contextRegion ?? existingTable?.region ?? (replicaRegions.length > 0 ? defaultRegion : undefined);
  if (replicaRegions.length > 0 && region === undefined) {
    throw new ConfigError(
      `context ${CONTEXT_PREFIX}replicaRegions makes the table a global table, which needs a concrete ` +
        `primary region: pass -c ${CONTEXT_PREFIX}region=<region> (or set CDK_DEFAULT_REGION)`,
    );
  }
  if (region !== undefined && replicaRegions.includes(region)) {
    fail('replicaRegions', replicaRegions.join(','), `must not include the primary region ${region}`);
  }

  const replicaKeyArns = read.map('replicaKeyArns');
  for (const replica of replicaRegions) {
    const arn = replicaKeyArns[replica];
    if (arn === undefined) {
      throw new ConfigError(
        `replica region ${replica} has no KMS key: the table is encrypted with a customer-managed key, ` +
          `so every replica needs a key in its own region; add ${replica}=<key ARN> to ${CONTEXT_PREFIX}replicaKeyArns`,
      );
    }
    const match = KEY_ARN_PATTERN.exec(arn);
    if (match === null || match[1] !== replica) {
      fail('replicaKeyArns', arn, `must map ${replica} to a KMS key ARN in ${replica}`);
    }
  }
  for (const mapped of Object.keys(replicaKeyArns)) {
    if (!replicaRegions.includes(mapped)) {
      fail('replicaKeyArns', mapped, `names a region that is not in ${CONTEXT_PREFIX}replicaRegions`);
    }
  }

  const warmReadUnitsPerSecond = read.int(
    'warmReadUnitsPerSecond',
    d.warmReadUnitsPerSecond,
    ON_DEMAND_BASELINE.readUnitsPerSecond,
    40_000_000,
  );
  const warmWriteUnitsPerSecond = read.int(
    'warmWriteUnitsPerSecond',
    d.warmWriteUnitsPerSecond,
    ON_DEMAND_BASELINE.writeUnitsPerSecond,
    40_000_000,
  );

  const parser: QueueConsumerSettings = {
    memoryMb: read.int('parserMemoryMb', c.parserMemoryMb, 128, 10_240),
    timeoutSeconds: read.int('parserTimeoutSeconds', c.parserTimeoutSeconds, 1, 900),
    maxConcurrency: read.int('parserMaxConcurrency', d.parserMaxConcurrency, 2, 1000),
    reservedConcurrency: read.optionalInt(
      'parserReservedConcurrency',
      d.parserReservedConcurrency,
      1,
      10_000,
    ),
  };
  const worker = {
    memoryMb: read.int('workerMemoryMb', c.workerMemoryMb, 128, 10_240),
    timeoutSeconds: read.int('workerTimeoutSeconds', c.workerTimeoutSeconds, 1, 900),
    maxConcurrency: read.int('workerMaxConcurrency', d.workerMaxConcurrency, 2, 1000),
    reservedConcurrency: read.optionalInt(
      'workerReservedConcurrency',
      d.workerReservedConcurrency,
      1,
      10_000,
    ),
    batchSize: read.int('workerBatchSize', c.workerBatchSize, 1, 10),
  };
  for (const [name, settings] of [
    ['parser', parser],
    ['worker', worker],
  ] as const) {
    // Below MaximumConcurrency the event source keeps invoking into throttles, and every
    // throttled receive counts toward maxReceiveCount: messages would reach the DLQ unprocessed.
    if (
      settings.reservedConcurrency !== undefined &&
      settings.reservedConcurrency < settings.maxConcurrency
    ) {
      throw new ConfigError(
        `context ${CONTEXT_PREFIX}${name}ReservedConcurrency (${settings.reservedConcurrency}) is below ` +
          `${CONTEXT_PREFIX}${name}MaxConcurrency (${settings.maxConcurrency}); raise the reserved ` +
          `concurrency, lower the maximum concurrency, or set the reserved concurrency to "none"`,
      );
    }
  }

  const kpi = {
    memoryMb: read.int('kpiMemoryMb', c.kpiMemoryMb, 128, 10_240),
    timeoutSeconds: read.int('kpiTimeoutSeconds', c.kpiTimeoutSeconds, 1, 900),
    reservedConcurrency: read.optionalInt('kpiReservedConcurrency', d.kpiReservedConcurrency, 1, 10_000),
    batchSize: read.int('kpiBatchSize', c.kpiBatchSize, 1, 10_000),
    parallelizationFactor: read.int('kpiParallelizationFactor', d.kpiParallelizationFactor, 1, 10),
    maxRecordAgeSeconds: read.int('kpiMaxRecordAgeSeconds', c.kpiMaxRecordAgeSeconds, 60, 604_800),
    retryAttempts: read.int('kpiRetryAttempts', c.kpiRetryAttempts, 0, 10_000),
  };

  const watchdog = {
    memoryMb: read.int('watchdogMemoryMb', c.watchdogMemoryMb, 128, 10_240),
    timeoutSeconds: read.int('watchdogTimeoutSeconds', c.watchdogTimeoutSeconds, 1, 900),
    reservedConcurrency: read.optionalInt(
      'watchdogReservedConcurrency',
      d.watchdogReservedConcurrency,
      1,
      10_000,
    ),
    intervalMinutes: read.int('watchdogIntervalMinutes', c.watchdogIntervalMinutes, 1, 60),
    watch: {
      deadlineMs: read.int('dumpDeadlineMinutes', c.dumpDeadlineMinutes, 2, 1440) * 60_000,
      kpiGraceMs: read.int('kpiGraceMinutes', c.kpiGraceMinutes, 1, 1440) * 60_000,
      maxRedrives: read.int('maxRedrives', c.maxRedrives, 1, 20),
    },
  };

  const logRetentionDays = read.int('logRetentionDays', d.logRetentionDays, 1, 3653);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    fail('logRetentionDays', logRetentionDays, `must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }

  const prefixRule = "must be an S3 key prefix ending in '/', such as incoming/";
  const incomingPrefix = read.string('incomingPrefix', c.incomingPrefix, PREFIX_PATTERN, prefixRule);
  const rejectedPrefix = read.string('rejectedPrefix', c.rejectedPrefix, PREFIX_PATTERN, prefixRule);
  const stagingPrefix = read.string('stagingPrefix', c.stagingPrefix, PREFIX_PATTERN, prefixRule);
  // Rejected copies and staged days must not land under the notified prefix, or each would be
  // parsed as an upload; and a lifecycle rule of one must not expire the other's objects.
  const prefixes = { incomingPrefix, rejectedPrefix, stagingPrefix };
  for (const [a, first] of Object.entries(prefixes)) {
    for (const [b, second] of Object.entries(prefixes)) {
      if (a < b && (first.startsWith(second) || second.startsWith(first))) {
        throw new ConfigError(
          `context ${CONTEXT_PREFIX}${a} ("${first}") and ${CONTEXT_PREFIX}${b} ("${second}") overlap; ` +
            'each prefix holds its own objects under its own lifecycle: choose separate prefixes',
        );
      }
    }
  }

  const removalPolicy = read.choice<RemovalChoice>('removalPolicy', c.removalPolicy, REMOVAL_CHOICES);
  if (profile === 'production' && removalPolicy === 'destroy') {
    throw new ConfigError(
      `context ${CONTEXT_PREFIX}removalPolicy=destroy is refused for the production profile: ` +
        `it would delete patient data with the stack; use the dev profile for throwaway deployments`,
    );
  }

  return {
    profile,
    stackPrefix: read.string(
      'stackPrefix',
      c.stackPrefix,
      STACK_PREFIX_PATTERN,
      'must start with a letter and hold only letters, digits and hyphens (at most 64)',
    ),
    region,
    replicaRegions,
    replicaKeyArns,
    warmReadUnitsPerSecond,
    warmWriteUnitsPerSecond,
    saltBuckets: read.int('saltBuckets', c.saltBuckets, 1, 1000),
    parser,
    worker,
    kpi,
    maxReceiveCount: read.int('maxReceiveCount', c.maxReceiveCount, 1, 1000),
    watchdog,
    logRetentionDays,
    logLevel: read.choice<LogLevel>('logLevel', c.logLevel, LOG_LEVELS),
    alarmEmail: read.optionalString('alarmEmail', EMAIL_PATTERN, 'must be an email address'),
    alarmQueueAgeSeconds: read.int('alarmQueueAgeSeconds', c.alarmQueueAgeSeconds, 1, 1_209_600),
    alarmIteratorAgeSeconds: read.int('alarmIteratorAgeSeconds', c.alarmIteratorAgeSeconds, 1, 604_800),
    alarmUploadToCompleteP99Ms: read.int(
      'alarmUploadToCompleteP99Ms',
      c.alarmUploadToCompleteP99Ms,
      1,
      86_400_000,
    ),
    alarmNoUploadsMinutes: read.optionalInt('alarmNoUploadsMinutes', d.alarmNoUploadsMinutes, 5, 1440),
    alarmRejectedPercent: read.int('alarmRejectedPercent', c.alarmRejectedPercent, 1, 100),
    alarmConflictPercent: read.int('alarmConflictPercent', c.alarmConflictPercent, 1, 100),
    runbookUrl: read.string(
      'runbookUrl',
      c.runbookUrl,
      HTTPS_URL_PATTERN,
      'must be an https:// URL of docs/operations.md without a #fragment',
    ),
    contributorInsights: read.choice<ContributorInsightsChoice>(
      'contributorInsights',
      d.contributorInsights,
      CONTRIBUTOR_INSIGHTS_CHOICES,
    ),
    existingTable,
    incomingPrefix,
    uploadKeyLayout: read.choice<UploadKeyLayout>('uploadKeyLayout', c.uploadKeyLayout, UPLOAD_KEY_LAYOUTS),
    rejectedPrefix,
    stagingPrefix,
    rejectedRetentionDays: read.int('rejectedRetentionDays', d.rejectedRetentionDays, 1, 36_500),
    processedRetentionDays: read.int('processedRetentionDays', d.processedRetentionDays, 1, 36_500),
    noncurrentRetentionDays: read.int('noncurrentRetentionDays', d.noncurrentRetentionDays, 1, 36_500),
    removalPolicy,
    deletionProtection: removalPolicy !== 'destroy',
  };
}

/**
 * The restore path's three keys, all or none. The stream ARN must be the named table's, and the
 * stream and key must share a region (DynamoDB needs the key in the table's region), which must
 * be dumpflow:region when that is given.
 */
function readExistingTable(
  read: ContextReader,
  contextRegion: string | undefined,
  replicaRegions: readonly string[],
): ExistingTable | undefined {
  const tableName = read.optionalString(
    'existingTableName',
    TABLE_NAME_PATTERN,
    'must be a DynamoDB table name (3-255 letters, digits, _ . -)',
  );
  const streamArn = read.optionalString(
    'existingTableStreamArn',
    STREAM_ARN_PATTERN,
    'must be a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>)',
  );
  const keyArn = read.optionalString('existingTableKeyArn', KEY_ARN_PATTERN, 'must be a KMS key ARN');
  if (tableName === undefined && streamArn === undefined && keyArn === undefined) return undefined;
  if (tableName === undefined || streamArn === undefined || keyArn === undefined) {
    const missing = [
      ['existingTableName', tableName],
      ['existingTableStreamArn', streamArn],
      ['existingTableKeyArn', keyArn],
    ]
      .filter(([, value]) => value === undefined)
      .map(([key]) => `${CONTEXT_PREFIX}${key as string}`);
    throw new ConfigError(
      `an existing table needs its name, stream ARN and KMS key ARN together; add ${missing.join(' and ')} ` +
        `(docs/operations.md, "Restore from point-in-time recovery")`,
    );
  }
  const [, streamRegion, , streamTable] = STREAM_ARN_PATTERN.exec(streamArn) as RegExpExecArray;
  if (streamTable !== tableName) {
    fail('existingTableStreamArn', streamArn, `must be a stream of table ${tableName}`);
  }
  const keyRegion = (KEY_ARN_PATTERN.exec(keyArn) as RegExpExecArray)[1];
  if (keyRegion !== streamRegion) {
    fail('existingTableKeyArn', keyArn, `must be a key in ${streamRegion as string}, the table's region`);
  }
  if (contextRegion !== undefined && contextRegion !== streamRegion) {
    fail('existingTableStreamArn', streamArn, `must be in ${contextRegion} (${CONTEXT_PREFIX}region)`);
  }
  if (replicaRegions.length > 0) {
    throw new ConfigError(
      `context ${CONTEXT_PREFIX}replicaRegions configures the Data stack's global table, which is not deployed ` +
        `with ${CONTEXT_PREFIX}existingTableName; remove ${CONTEXT_PREFIX}replicaRegions and ` +
        `${CONTEXT_PREFIX}replicaKeyArns and add replicas to the existing table itself (docs/operations.md)`,
    );
  }
  return { tableName, streamArn, keyArn, region: streamRegion as string };
}

/** A ContextSource over a plain object of `dumpflow:`-prefixed keys (tests, tools). */
export function contextFromObject(values: Readonly<Record<string, unknown>>): ContextSource {
  return {
    tryGetContext: (key) => values[key],
    getAllContext: () => ({ ...values }),
  };
}
