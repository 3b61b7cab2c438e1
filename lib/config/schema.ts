import { DEFAULT_WATCH } from '../../lambdas/core/ledger/watch';
import { DEFAULT_UPLOAD_KEY_LAYOUT, UPLOAD_KEY_LAYOUTS } from '../../lambdas/core/upload-key';
import { PIPELINE_SETTINGS as PIPELINE } from '../../lambdas/shared/pipeline-settings';

/**
 * Every CDK context key dumpflow reads, one row each: its type and allowed values, its default
 * per profile, and what it means. (Long because it is one table of some fifty rows; a key's row
 * is the only place that key is described.) The loader (index.ts), the list of known keys, the validation
 * messages and the table in docs/deploy.md (docs-table.ts) all come from these rows, so a key is
 * described once. Checks that involve several keys are the named rules in rules.ts.
 */

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

/** The retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** What a new on-demand table can serve instantly; warm throughput cannot be set below it. */
export const ON_DEMAND_BASELINE = { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 4_000 } as const;

export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
export const KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]+$/;
export const STREAM_ARN_PATTERN =
  /^arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):(\d{12}):table\/([A-Za-z0-9_.-]{3,255})\/stream\/[0-9A-Za-z:._-]+$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PREFIX_PATTERN = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/;
const STACK_PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,63}$/;
const TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;
const HTTPS_URL_PATTERN = /^https:\/\/[^\s#]+$/;
const PREFIX_RULE = "must be an S3 key prefix ending in '/', such as incoming/";

/** A default that is the same in every profile, or one per profile. */
export type PerProfile<T> = T | { readonly dev: T; readonly production: T };

interface Row<T> {
  readonly default: PerProfile<T>;
  /** What the key does, for docs/deploy.md; the allowed values are added from the row itself. */
  readonly description: string;
  /** How docs/deploy.md shows an unset default. @default 'none' */
  readonly unset?: string;
}

/** A whole number in [min, max] (and in `oneOf` when given); `optional` also accepts `none`. */
export interface IntRow extends Row<number | undefined> {
  readonly type: 'int';
  readonly min: number;
  readonly max: number;
  readonly optional?: boolean;
  readonly oneOf?: readonly number[];
  /** Unit shown after the range in docs/deploy.md. */
  readonly unit?: string;
}
export interface ChoiceRow extends Row<string> {
  readonly type: 'choice';
  readonly allowed: readonly string[];
}
/** A string matching `pattern`; `optional` rows default to unset. */
export interface StringRow extends Row<string | undefined> {
  readonly type: 'string';
  readonly pattern: RegExp;
  readonly rule: string;
  readonly optional?: boolean;
}
/** A JSON array of strings, or `a,b` (the form `-c` gives). */
export interface ListRow extends Row<readonly string[]> {
  readonly type: 'list';
}
/** A JSON object of strings, or `name=value,name=value`. */
export interface MapRow extends Row<Readonly<Record<string, string>>> {
  readonly type: 'map';
}
export type ContextRow = IntRow | ChoiceRow | StringRow | ListRow | MapRow;

const int = (row: Omit<IntRow, 'type' | 'optional'> & { readonly default: PerProfile<number> }) =>
  ({ type: 'int', ...row }) as const;
const optionalInt = (row: Omit<IntRow, 'type' | 'optional'>) =>
  ({ type: 'int', optional: true, ...row }) as const;
const choice = <const T extends readonly string[]>(
  allowed: T,
  row: Omit<ChoiceRow, 'type' | 'allowed' | 'default'> & { readonly default: PerProfile<T[number]> },
) => ({ type: 'choice', allowed, ...row }) as const;
const string = (row: Omit<StringRow, 'type' | 'optional'> & { readonly default: string }) =>
  ({ type: 'string', ...row }) as const;
const optionalString = (row: Omit<StringRow, 'type' | 'optional' | 'default'>) =>
  ({ type: 'string', optional: true, default: undefined, ...row }) as const;
const memory = (what: string, megabytes: number) =>
  int({ default: megabytes, min: 128, max: 10_240, unit: 'MB', description: `${what} memory` });
const timeout = (what: string, seconds: number, extra = '') =>
  int({ default: seconds, min: 1, max: 900, unit: 's', description: `${what} timeout${extra}` });
const reserved = (what: string, production: number, extra: string) =>
  optionalInt({
    default: { dev: undefined, production },
    min: 1,
    max: 10_000,
    description: `${what} reserved concurrency${extra}`,
  });

export const CONTEXT_SCHEMA = {
  profile: choice(PROFILES, {
    default: { dev: 'dev', production: 'production' },
    description: 'picks the defaults in this table',
  }),
  stackPrefix: string({
    default: 'Dumpflow',
    pattern: STACK_PREFIX_PATTERN,
    rule: 'must start with a letter and hold only letters, digits and hyphens (at most 64)',
    description: 'prefix of the three stack names (and of alarm and dashboard names)',
  }),
  region: optionalString({
    pattern: REGION_PATTERN,
    rule: 'must be an AWS region name such as eu-west-1',
    unset: 'none (environment-agnostic)',
    description: 'primary region; required (or `CDK_DEFAULT_REGION`) when replicas are configured',
  }),
  replicaRegions: {
    type: 'list',
    default: [],
    description: 'replica regions of the global table, e.g. `eu-central-1,us-east-1`; not the primary region',
  },
  replicaKeyArns: {
    type: 'map',
    default: {},
    description: 'replica region → KMS key ARN in that region; required for every replica region',
  },
  warmReadUnitsPerSecond: int({
    // `dumpflow plan` for the target load (140 uploads/min from 200,000 patients, 3,000 events per
    // device-day, peak 3x the average, headroom 2x; docs/benchmarks.md): peaks of 83 read and 308
    // write units/s are far below what a new on-demand table serves at once, so both profiles keep
    // AWS's own starting values (no pre-warm charge). A test holds these to the plan's output.
    default: ON_DEMAND_BASELINE.readUnitsPerSecond,
    min: ON_DEMAND_BASELINE.readUnitsPerSecond,
    max: 40_000_000,
    description: "table warm throughput for reads; at least a new on-demand table's own value",
  }),
  warmWriteUnitsPerSecond: int({
    default: ON_DEMAND_BASELINE.writeUnitsPerSecond,
    min: ON_DEMAND_BASELINE.writeUnitsPerSecond,
    max: 40_000_000,
    description: "table warm throughput for writes; at least a new on-demand table's own value",
  }),
  saltBuckets: int({
    default: PIPELINE.saltBuckets,
    min: 1,
    max: 1000,
    description: '`SALT_BUCKETS` for the handlers: how many partition-key salts spread a device-day',
  }),
  parserMemoryMb: memory('parser', 3008),
  parserTimeoutSeconds: timeout(
    'parser',
    PIPELINE.parser.timeoutSeconds,
    "; the dump queue's visibility timeout is 6× this",
  ),
  // Peak concurrency x 2, in steps of 5, at least 10 (`dumpflow plan`): parser 21 (3 s per upload,
  // an assumption), worker 6.1 (1.74 chunks per upload x 0.5 s), KPI 1.4 (0.2 s per upload).
  parserMaxConcurrency: int({
    default: { dev: 5, production: 45 },
    min: 2,
    max: 1000,
    description: 'dump-queue event source maximum concurrency',
  }),
  parserReservedConcurrency: reserved('parser', 45, '; must not be below `parserMaxConcurrency`'),
  workerMemoryMb: memory('worker', 1024),
  workerTimeoutSeconds: timeout(
    'worker',
    PIPELINE.worker.timeoutSeconds,
    "; the fan-out queue's visibility timeout is 6× this",
  ),
  workerMaxConcurrency: int({
    default: { dev: 20, production: 15 },
    min: 2,
    max: 1000,
    description: 'fan-out event source maximum concurrency: the main brake on table write load',
  }),
  workerReservedConcurrency: reserved('worker', 15, '; must not be below `workerMaxConcurrency`'),
  workerBatchSize: int({
    default: PIPELINE.worker.batchSize,
    min: 1,
    max: 10,
    description: 'chunk messages per worker invocation',
  }),
  kpiMemoryMb: memory('KPI', 512),
  kpiTimeoutSeconds: timeout('KPI', PIPELINE.kpi.timeoutSeconds),
  kpiReservedConcurrency: reserved('KPI', 10, '; caps stream consumers (shards × parallelization)'),
  kpiBatchSize: int({
    default: PIPELINE.kpi.batchSize,
    min: 1,
    max: 10_000,
    description: 'stream records per KPI invocation',
  }),
  kpiParallelizationFactor: int({
    default: { dev: 1, production: 2 },
    min: 1,
    max: 10,
    description: 'concurrent batches per stream shard',
  }),
  kpiMaxRecordAgeSeconds: int({
    default: PIPELINE.kpi.maxRecordAgeSeconds,
    min: 60,
    max: 604_800,
    unit: 's',
    description: 'stream records older than this go to the KPI on-failure queue',
  }),
  kpiRetryAttempts: int({
    default: PIPELINE.kpi.retryAttempts,
    min: 0,
    max: 10_000,
    description: 'retries of a failing stream batch (bisected) before the on-failure queue',
  }),
  maxReceiveCount: int({
    default: PIPELINE.maxReceiveCount,
    min: 1,
    max: 1000,
    description: 'receives before a dump or chunk message moves to its DLQ',
  }),
  dumpDeadlineMinutes: int({
    default: DEFAULT_WATCH.deadlineMs / 60_000,
    min: 2,
    max: 1440,
    description: 'minutes from upload to COMPLETE or REJECTED before the watchdog re-drives a dump',
  }),
  maxRedrives: int({
    default: DEFAULT_WATCH.maxRedrives,
    min: 1,
    max: 20,
    description: 're-drives past the deadline before the watchdog marks a dump FAILED',
  }),
  kpiGraceMinutes: int({
    default: DEFAULT_WATCH.kpiGraceMs / 60_000,
    min: 1,
    max: 1440,
    description:
      "minutes a completed dump's KPIs get to reflect it before the watchdog checks and recomputes them",
  }),
  watchdogIntervalMinutes: int({
    default: PIPELINE.watchdog.intervalMinutes,
    min: 1,
    max: 60,
    unit: 'min',
    description: 'how often the watchdog runs',
  }),
  watchdogMemoryMb: memory('watchdog', 512),
  watchdogTimeoutSeconds: timeout('watchdog', PIPELINE.watchdog.timeoutSeconds),
  // One run at a time is all the watchdog needs.
  watchdogReservedConcurrency: reserved('watchdog', 1, ''),
  logRetentionDays: int({
    default: { dev: 30, production: 365 },
    min: 1,
    max: 3653,
    oneOf: LOG_RETENTION_DAYS,
    description: 'days Lambda log groups and access logs keep their events',
  }),
  logLevel: choice(LOG_LEVELS, { default: 'INFO', description: '`POWERTOOLS_LOG_LEVEL`' }),
  alarmEmail: optionalString({
    pattern: EMAIL_PATTERN,
    rule: 'must be an email address',
    description: 'address subscribed to the alarm topic (AWS mails a confirmation link)',
  }),
  alarmQueueAgeSeconds: int({
    default: 120,
    min: 1,
    max: 1_209_600,
    unit: 's',
    description: 'alarm when the oldest dump or chunk message is older than this',
  }),
  alarmIteratorAgeSeconds: int({
    default: 600,
    min: 1,
    max: 604_800,
    unit: 's',
    description: 'alarm when the KPI stream iterator age exceeds this',
  }),
  alarmUploadToCompleteP99Ms: int({
    default: 60_000,
    min: 1,
    max: 86_400_000,
    unit: 'ms',
    description: 'alarm when p99 of `UploadToCompleteMs` exceeds this (the one-minute target)',
  }),
  alarmNoUploadsMinutes: optionalInt({
    // A dev stack is quiet most of the time: an alarm on silence would only page for that. A fleet
    // uploads around the clock; an hour without a single upload means the path is broken.
    default: { dev: undefined, production: 60 },
    min: 5,
    max: 1440,
    description:
      'alarm when no upload notification reached the dump queue for this many minutes; `none`: no alarm',
  }),
  alarmRejectedPercent: int({
    default: 5,
    min: 1,
    max: 100,
    description:
      'alarm when more than this percentage of dumps is rejected within 15 minutes (at least 10 dumps)',
  }),
  alarmConflictPercent: int({
    default: 1,
    min: 1,
    max: 100,
    description: 'alarm when conflicts exceed this percentage of newly stored events within 15 minutes',
  }),
  runbookUrl: string({
    default: 'docs/operations.md',
    pattern: HTTPS_URL_PATTERN,
    rule: 'must be an https:// URL of docs/operations.md without a #fragment',
    description:
      '`https://` URL where `docs/operations.md` is published (for example its page in your repository host); every alarm description links its section there',
  }),
  contributorInsights: choice(CONTRIBUTOR_INSIGHTS_CHOICES, {
    // Dev data is synthetic, so showing its keys costs nothing, and hot keys matter when
    // load-testing; in production patient ids stay out of CloudWatch unless an operator opts in.
    default: { dev: 'throttled-keys', production: 'off' },
    description:
      'table Contributor Insights; it shows partition keys (patient and device ids) in CloudWatch, see [operations.md](operations.md#contributor-insights-and-patient-ids)',
  }),
  existingTableName: optionalString({
    pattern: TABLE_NAME_PATTERN,
    rule: 'must be a DynamoDB table name (3-255 letters, digits, _ . -)',
    description:
      "restore path: the Ingest and Monitoring stacks use this table instead of the Data stack's, and the Data stack is left out of the app; needs the two keys below ([operations.md](operations.md#restore-from-point-in-time-recovery))",
  }),
  existingTableStreamArn: optionalString({
    pattern: STREAM_ARN_PATTERN,
    rule: 'must be a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>)',
    description:
      "that table's stream ARN (`NEW_IMAGE`; the KPI function's trigger); pins the stacks to its region",
  }),
  existingTableKeyArn: optionalString({
    pattern: KEY_ARN_PATTERN,
    rule: 'must be a KMS key ARN',
    description: 'the customer-managed KMS key ARN that encrypts that table, in the same region',
  }),
  incomingPrefix: string({
    default: PIPELINE.incomingPrefix,
    pattern: PREFIX_PATTERN,
    rule: PREFIX_RULE,
    description: 'key prefix devices upload to; the only prefix that notifies the dump queue',
  }),
  uploadKeyLayout: choice(UPLOAD_KEY_LAYOUTS, {
    default: DEFAULT_UPLOAD_KEY_LAYOUT,
    description:
      '`UPLOAD_KEY_LAYOUT`: `device-prefix` binds uploads to their device (`incoming/{device segment}/...`, else `E_DEVICE_MISMATCH`); `any`: no check ([above](#uploads-bound-to-their-device))',
  }),
  rejectedPrefix: string({
    default: PIPELINE.rejectedPrefix,
    pattern: PREFIX_PATTERN,
    rule: PREFIX_RULE,
    description:
      '`REJECTED_PREFIX`: where the parser copies rejected dumps; must not overlap `incomingPrefix`',
  }),
  stagingPrefix: string({
    default: PIPELINE.stagingPrefix,
    pattern: PREFIX_PATTERN,
    rule: PREFIX_RULE,
    description:
      '`STAGING_PREFIX`: where the parser stages a dense device-day (more than four chunks) for the workers, one object per day named by the opaque dump id; expired after 2 days; must not overlap the other two prefixes',
  }),
  processedRetentionDays: int({
    default: { dev: 7, production: 90 },
    min: 1,
    max: 36_500,
    description: 'days an upload stays under `incoming/` (its events live on in the table)',
  }),
  rejectedRetentionDays: int({
    default: { dev: 30, production: 365 },
    min: 1,
    max: 36_500,
    description: 'days a rejected copy stays under `rejected/`',
  }),
  noncurrentRetentionDays: int({
    default: { dev: 7, production: 30 },
    min: 1,
    max: 36_500,
    description: 'days an overwritten or deleted object version is kept (the bucket is versioned)',
  }),
  removalPolicy: choice(REMOVAL_CHOICES, {
    default: 'retain',
    description:
      'for table, buckets, keys and log groups; deletion protection is on unless `destroy`; `destroy` is refused for the production profile',
  }),
} as const satisfies Record<string, ContextRow>;

export type ContextKey = keyof typeof CONTEXT_SCHEMA;

/** Every key the loader understands; anything else under `dumpflow:` is a typo and fails. */
export const CONTEXT_KEYS = Object.keys(CONTEXT_SCHEMA) as ContextKey[];

type ValueOf<R> = R extends { readonly type: 'int'; readonly optional: true }
  ? number | undefined
  : R extends { readonly type: 'int' }
    ? number
    : R extends { readonly type: 'choice'; readonly allowed: readonly (infer T)[] }
      ? T
      : R extends { readonly type: 'string'; readonly optional: true }
        ? string | undefined
        : R extends { readonly type: 'string' }
          ? string
          : R extends { readonly type: 'list' }
            ? readonly string[]
            : Readonly<Record<string, string>>;

/** The value of every key, after validation (or its default). */
export type ContextValues = { readonly [K in ContextKey]: ValueOf<(typeof CONTEXT_SCHEMA)[K]> };

/** The default of `row` in `profile`. */
export function defaultOf(row: { readonly default: unknown }, profile: Profile): unknown {
  const value = row.default;
  const perProfile =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    'production' in value &&
    'dev' in value;
  return perProfile ? (value as Record<Profile, unknown>)[profile] : value;
}

/** Every key's default in each profile (what the loader returns for an empty context). */
export const CONTEXT_DEFAULTS: Readonly<Record<Profile, ContextValues>> = Object.fromEntries(
  PROFILES.map((profile) => [
    profile,
    Object.fromEntries(CONTEXT_KEYS.map((key) => [key, defaultOf(CONTEXT_SCHEMA[key], profile)])),
  ]),
) as unknown as Record<Profile, ContextValues>;
