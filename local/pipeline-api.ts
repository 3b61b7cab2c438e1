import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Kpis } from '../lambdas/core/kpi';
import { DumpflowError } from '../lambdas/core/errors';
import type { WatchSettings } from '../lambdas/core/ledger/watch';
import type { UploadKeyLayout } from '../lambdas/core/upload-key';
import type { SqsPollerCounters } from './event-sources/sqs-poller';
import type { StreamPollerCounters } from './event-sources/stream-poller';
import type { FaultTotals } from './faults/fault-log';
import type { FaultInjector } from './faults/injector';
import type { FunctionEnvironment } from './function-environment';
import type { FinishedDump, PhaseReport } from './phase-report';

/** What `startLocalPipeline` takes and gives: the local runtime's public types and errors. */

/** One file to upload: its name (the object key's last part) and its bytes. */
export interface LocalDump {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The device that uploads it (its key goes under this device's prefix). @default the header's deviceId */
  readonly uploadedBy?: string;
}

export interface LocalPipelineOptions {
  /** A running DynamoDB Local to use. @default a new one, stopped by stop() */
  readonly dynamoEndpoint?: string;
  /** @default `dumpflow-local-<time>` (a new stream-enabled table per pipeline) */
  readonly tableName?: string;
  /**
   * Keep the table in this directory (local/state.ts) and continue on what an earlier run stored
   * there; the pipeline then starts its own DynamoDB Local on it. @default a table in memory
   */
  readonly stateDir?: string;
  /** Parser invocations at once (the dump queue mapping's MaximumConcurrency). @default 2 */
  readonly parserConcurrency?: number;
  /** Worker invocations at once (the fan-out queue mapping's MaximumConcurrency). @default 4 */
  readonly workerConcurrency?: number;
  /** Where the event sources report failing invocations. @default one line on stderr */
  readonly log?: (line: string) => void;
  /** Loads one execution environment (see FunctionEnvironment). @default loadFreshEnvironment */
  readonly loadEnvironment?: () => FunctionEnvironment;
  /** Faults to inject (`dumpflow local --faults`). @default none */
  readonly faults?: FaultInjector;
  /**
   * The workers' device-day lease (DAY_LEASE_MS). A crashed worker blocks its day this long.
   * @default the deployed lease (local/deployed-settings.ts), 20000 with faults
   */
  readonly dayLeaseMs?: number;
  /**
   * The watchdog's deadlines. @default the deployed ones (DEFAULT_WATCH); with faults FAULT_WATCH,
   * so a run whose dumps got stuck on purpose ends within minutes
   */
  readonly watch?: WatchSettings;
  /** The object-key layout the parser checks (core/upload-key.ts). @default the deployed default */
  readonly uploadKeyLayout?: UploadKeyLayout;
  /** Time between two watchdog runs (the deployed rule runs every few minutes). @default 30000, 3000 with faults */
  readonly watchdogIntervalMs?: number;
  /**
   * VisibilityTimeout of the dump and fan-out queues. @default the deployed rule (6x the longer
   * function timeout); 30 with `pause`, which stalls an invocation past it (and past the lease)
   */
  readonly visibilityTimeoutSeconds?: number;
}

/** Deadlines short enough for a faulted local run: re-drives after 30 s, KPI checks after 10 s. */
export const FAULT_WATCH: WatchSettings = { deadlineMs: 30_000, kpiGraceMs: 10_000, maxRedrives: 3 };

/** Messages left in each dead-letter destination: what exhausted its retries. */
export interface DeadLetters {
  readonly dumpQueue: number;
  readonly fanoutQueue: number;
  readonly kpiFailures: number;
}

export interface PhaseProgress {
  readonly total: number;
  /** COMPLETE or REJECTED in the ledger. */
  readonly finished: number;
  readonly rejected: number;
  /** 'processing' until every dump is finished, then 'settling' while KPI updates drain. */
  readonly stage: 'uploading' | 'processing' | 'settling';
}

export interface PhaseOptions {
  /**
   * Processing time (ms) for the expiry rule, given to the parser as DUMPFLOW_NOW.
   * @default the wall clock
   */
  readonly now?: number;
  readonly onProgress?: (progress: PhaseProgress) => void;
  /** @default 600000 */
  readonly timeoutMs?: number;
}

export interface PhaseResult {
  readonly report: PhaseReport;
  /** Every dump's final ledger entry, in upload order. */
  readonly finished: readonly FinishedDump[];
}

/** KPIs of one patient and device, as the KPI function stored them. */
export type KpiRow = Omit<Kpis, 'windowStart'> & { readonly patientId: string; readonly deviceId: string };

export interface LocalPipeline {
  readonly dynamoEndpoint: string;
  readonly tableName: string;
  readonly bucket: string;
  /** The runtime's own S3 and DynamoDB clients, for reading what the pipeline stored (verify). */
  readonly clients: { readonly s3: S3Client; readonly dynamodb: DynamoDBClient };
  /**
   * Uploads every dump under `incoming/<device>/phase-<n>/` (`incoming/<device>/run-<id>/phase-<n>/`
   * with a kept state; without the device segment for the `any` layout) and resolves when each is COMPLETE or REJECTED
   * in the ledger and the parser, worker and KPI event sources were all idle in one pass.
   */
  runPhase(dumps: readonly LocalDump[], options?: PhaseOptions): Promise<PhaseResult>;
  /** The KPI items of every patient/device uploaded so far, sorted by patient then device. */
  kpis(): Promise<KpiRow[]>;
  /** What sits in the DLQs and the KPI on-failure queue now. */
  deadLetters(): Promise<DeadLetters>;
  /** Faults injected so far and the retries they caused; undefined without faults. */
  faultTotals(): FaultTotals | undefined;
  /** What the emulated event sources did so far (invocations, records, retries). */
  eventSourceCounters(): {
    readonly parser: SqsPollerCounters;
    readonly worker: SqsPollerCounters;
    readonly kpi: StreamPollerCounters;
  };
  /** Stops the event sources, fauxqs and (if started here) DynamoDB Local. Idempotent. */
  stop(): Promise<void>;
}

/** A dump never finished although nothing was left to process: its messages went to a DLQ. */
export class PipelineStuckError extends DumpflowError {
  constructor(files: readonly string[]) {
    super(
      'E_LOCAL_STUCK',
      `${files.length} dump(s) did not finish and the pipeline has nothing left to run (${files.slice(0, 5).join(', ')}${files.length > 5 ? ', ...' : ''}); their handler failed on every attempt and the messages went to the dead-letter queue: see the function log`,
    );
  }
}

/** A second pipeline while one runs: both would need process.env, which the handlers read. */
export class PipelineInUseError extends DumpflowError {
  constructor() {
    super(
      'E_LOCAL_IN_USE',
      'a local pipeline is already running in this process and owns its environment variables; stop it first',
    );
  }
}
