import { ConfigError } from '../core/errors';
import { DEFAULT_DAY_LEASE_MS, PIPELINE_SETTINGS } from './pipeline-settings';
import { DEFAULT_WATCH, type WatchSettings } from '../core/ledger/watch';
import {
  DEFAULT_INCOMING_PREFIX,
  DEFAULT_UPLOAD_KEY_LAYOUT,
  UPLOAD_KEY_LAYOUTS,
  type UploadKeyLayout,
  type UploadKeyRule,
} from '../core/upload-key';

/**
 * The one place handlers read the environment. The CDK stacks set these variables; the local
 * runtime sets the same ones. A getter throws naming the missing variable, so a misconfigured
 * function fails on its first invocation with a message that says what to fix.
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  fanoutQueueUrl: 'FANOUT_QUEUE_URL',
  saltBuckets: 'SALT_BUCKETS',
  rejectedPrefix: 'REJECTED_PREFIX',
  /** The notified prefix devices upload under (the device segment follows it). */
  incomingPrefix: 'INCOMING_PREFIX',
  /** `device-prefix` or `any` (core/upload-key.ts): whether the parser checks the key's device. */
  uploadKeyLayout: 'UPLOAD_KEY_LAYOUT',
  /** Where the parser stages dense days for the workers (and the lifecycle expires them). */
  stagingPrefix: 'STAGING_PREFIX',
  /** Milliseconds since the epoch; tests and the local runtime pin "now" for the expiry rule. */
  processingTime: 'DUMPFLOW_NOW',
  /**
   * How long a worker holds a device-day lease (ms). It must exceed the worker's time limit, so a
   * stalled worker cannot write after losing the lease; the local runtime shortens it together
   * with its retry delays when it injects crashes.
   */
  dayLeaseMs: 'DAY_LEASE_MS',
  /** Upload to COMPLETE or REJECTED before the watchdog re-drives a dump (ms). */
  dumpDeadlineMs: 'DUMP_DEADLINE_MS',
  /** Completion to confirmed KPIs before the watchdog recomputes them (ms). */
  kpiGraceMs: 'KPI_GRACE_MS',
  /** Re-drives before the watchdog marks a dump FAILED. */
  maxRedrives: 'MAX_REDRIVES',
  /** Where the watchdog re-drives dumps (the dump queue the S3 notifications arrive on). */
  dumpQueueUrl: 'DUMP_QUEUE_URL',
  /** S3 emulators without wildcard DNS need path-style URLs; real S3 does not. */
  s3ForcePathStyle: 'DUMPFLOW_S3_FORCE_PATH_STYLE',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigError(
      `environment variable ${name} is not set; the stack (or the local runtime) must set it`,
    );
  }
  return value;
}

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`environment variable ${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

export interface Config {
  readonly tableName: string;
  readonly fanoutQueueUrl: string;
  readonly saltBuckets: number;
  readonly rejectedPrefix: string;
  readonly stagingPrefix: string;
  /** Which keys may hold which device's dumps (the parser's check). */
  readonly uploadKeys: UploadKeyRule;
  readonly dayLeaseMs: number;
  /** Deadlines and limits of the watch index (lambdas/core/ledger/watch.ts). */
  readonly watch: WatchSettings;
  readonly dumpQueueUrl: string;
  readonly s3ForcePathStyle: boolean;
  readonly serviceName: string;
  readonly metricsNamespace: string;
  /**
   * The processing time (ms) a dump claimed now is pinned to: DUMPFLOW_NOW if set, else the wall
   * clock. A function, because the local runtime changes DUMPFLOW_NOW between phases.
   */
  readonly processingTime: () => number;
}

/** Lazily-validated view over an environment: each property throws only when read and missing. */
export function configFrom(env: Env = process.env): Config {
  return {
    get tableName() {
      return required(env, ENV.tableName);
    },
    get fanoutQueueUrl() {
      return required(env, ENV.fanoutQueueUrl);
    },
    get saltBuckets() {
      return positiveInt(env, ENV.saltBuckets, PIPELINE_SETTINGS.saltBuckets);
    },
    get rejectedPrefix() {
      return env[ENV.rejectedPrefix] || PIPELINE_SETTINGS.rejectedPrefix;
    },
    get stagingPrefix() {
      return env[ENV.stagingPrefix] || PIPELINE_SETTINGS.stagingPrefix;
    },
    get uploadKeys() {
      const raw = env[ENV.uploadKeyLayout] || DEFAULT_UPLOAD_KEY_LAYOUT;
      if (!(UPLOAD_KEY_LAYOUTS as readonly string[]).includes(raw)) {
        throw new ConfigError(
          `environment variable ${ENV.uploadKeyLayout} must be one of ${UPLOAD_KEY_LAYOUTS.join(', ')}, got "${raw}"`,
        );
      }
      return {
        layout: raw as UploadKeyLayout,
        incomingPrefix: env[ENV.incomingPrefix] || DEFAULT_INCOMING_PREFIX,
      };
    },
    get dayLeaseMs() {
      return positiveInt(env, ENV.dayLeaseMs, DEFAULT_DAY_LEASE_MS);
    },
    get watch() {
      return {
        deadlineMs: positiveInt(env, ENV.dumpDeadlineMs, DEFAULT_WATCH.deadlineMs),
        kpiGraceMs: positiveInt(env, ENV.kpiGraceMs, DEFAULT_WATCH.kpiGraceMs),
        maxRedrives: positiveInt(env, ENV.maxRedrives, DEFAULT_WATCH.maxRedrives),
      };
    },
    get dumpQueueUrl() {
      return required(env, ENV.dumpQueueUrl);
    },
    get s3ForcePathStyle() {
      return env[ENV.s3ForcePathStyle] === 'true';
    },
    get serviceName() {
      return env[ENV.serviceName] || PIPELINE_SETTINGS.serviceName;
    },
    get metricsNamespace() {
      return env[ENV.metricsNamespace] || PIPELINE_SETTINGS.metricsNamespace;
    },
    get processingTime() {
      const pinned = env[ENV.processingTime];
      if (pinned === undefined || pinned === '') return () => Date.now();
      const value = Number(pinned);
      if (!Number.isFinite(value)) {
        throw new ConfigError(
          `environment variable ${ENV.processingTime} must be milliseconds since the epoch, got "${pinned}"`,
        );
      }
      return () => value;
    },
  };
}

export const config: Config = configFrom();
