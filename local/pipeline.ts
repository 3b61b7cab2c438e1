import type { Kpis } from '../lambdas/core/kpi';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type {
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  ScheduledEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import type { Context } from 'aws-lambda';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkDump } from '../lambdas/core/dump';
import { DumpflowError } from '../lambdas/core/errors';
import { createTable } from '../lambdas/core/storage/table';
import { checkTableLayout } from '../lambdas/core/storage/layout';
import { openLocalState, stateTableExists } from './state';
import { parseSummaryPk, summaryPk, type DumpRef } from '../lambdas/core/storage/keys';
import { kpiKey, kpisFromItem, type StoredKpis } from '../lambdas/core/kpi/kpi-item';
import { FINAL_STATUSES, readLedgerOf, type LedgerEntry } from '../lambdas/core/ledger';
import { KPI_STREAM_FILTER_PATTERN } from '../lambdas/core/storage/stream-filter';
import { capacitySince, CapacityTapMeter, tapConsumedCapacity } from './capacity-tap';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { NotIdleError } from './errors';
import type { CreatedObject } from './event-sources/s3-notifications';
import { createSqsPoller, type SqsPoller, type SqsPollerCounters } from './event-sources/sqs-poller';
import {
  createStreamPoller,
  type StreamPoller,
  type StreamPollerCounters,
} from './event-sources/stream-poller';
import { phaseReport, type FinishedDump, type PhaseReport } from './phase-report';
import { dumpUploaderFor, startLocalS3Sqs, type LocalS3Sqs } from './services/s3-sqs';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { S3Client } from '@aws-sdk/client-s3';
import { SimulatedCrashError } from './faults/crash';
import type { FaultTotals } from './faults/fault-log';
import type { FaultInjector, InvocationFaults } from './faults/injector';
import { startOutageProxy, type OutageProxy } from './faults/outage-proxy';
import { ENV } from '../lambdas/shared/config';
import { localSettings } from './deployed-settings';
import { DEFAULT_WATCH, type WatchSettings } from '../lambdas/core/ledger/watch';
import { createSchedule, type Schedule } from './event-sources/schedule';
import {
  DEFAULT_UPLOAD_KEY_LAYOUT,
  type UploadKeyLayout,
  type UploadKeyRule,
} from '../lambdas/core/upload-key';
import { PIPELINE_SETTINGS } from '../lambdas/shared/pipeline-settings';
import { localUploadKey, uploaderDeviceId } from './upload-keys';

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

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
type ScheduledHandler = (event: ScheduledEvent, context: Context) => Promise<void>;

/**
 * One emulated Lambda execution environment: a fresh instance of the handler modules with their
 * own module state and SDK clients. Lambda runs one invocation per environment at a time, and the
 * handlers rely on it (their module-level SDK clients, Powertools logger keys and metrics buffer
 * belong to the invocation running), so every concurrent local invocation gets its own.
 */
export interface FunctionEnvironment {
  readonly parser: SqsHandler;
  readonly worker: SqsHandler;
  readonly kpi: StreamHandler;
  readonly watchdog: ScheduledHandler;
  /** The environment's DynamoDB singleton (metered by the runtime). */
  readonly dynamodb: DynamoDBClient;
  /** Its S3 and SQS singletons (where `parser-crash` and `pause` also land). */
  readonly s3: S3Client;
  readonly sqs: SQSClient;
}

/**
 * Loads a fresh copy of lambdas/ (handlers, their shared singletons and everything they import
 * from the repository) by dropping it from the require cache first. The process environment must
 * already hold the endpoints: the modules read it when they load. Under jest, whose module
 * registry ignores require.cache, pass a loader built on jest.isolateModules instead.
 */
export function loadFreshEnvironment(): FunctionEnvironment {
  const root = path.resolve(__dirname, '..', 'lambdas') + path.sep;
  for (const id of Object.keys(require.cache)) if (id.startsWith(root)) delete require.cache[id];
  // require, not import(): under tsx's CommonJS hook a dynamic import() goes to Node's ESM loader,
  // which neither resolves extensionless TypeScript paths nor reloads a module.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const parser = require('../lambdas/handlers/parser') as typeof import('../lambdas/handlers/parser');
  const worker = require('../lambdas/handlers/worker') as typeof import('../lambdas/handlers/worker');
  const kpi = require('../lambdas/handlers/kpi') as typeof import('../lambdas/handlers/kpi');
  const watchdog = require('../lambdas/handlers/watchdog') as typeof import('../lambdas/handlers/watchdog');
  const clients = require('../lambdas/shared/clients') as typeof import('../lambdas/shared/clients');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    parser: parser.handler,
    worker: worker.handler,
    kpi: kpi.handler,
    watchdog: watchdog.handler,
    dynamodb: clients.dynamodb,
    s3: clients.s3,
    sqs: clients.sqs,
  };
}

/** Only one pipeline may own process.env (the handlers read it on every invocation). */
let active = false;

/**
 * A handler that runs each invocation in an environment no other invocation is using, creating
 * one when all are busy: what Lambda does when it scales out.
 */
function pooled<E, R>(
  load: () => FunctionEnvironment,
  pick: (env: FunctionEnvironment) => (event: E, context: Context) => Promise<R>,
  faultsOf?: (env: FunctionEnvironment) => InvocationFaults | undefined,
): (event: E, context: Context) => Promise<R> {
  interface Slot {
    readonly handler: (event: E, context: Context) => Promise<R>;
    readonly run: InvocationFaults | undefined;
  }
  const free: Slot[] = [];
  const create = (): Slot => {
    const env = load();
    return { handler: pick(env), run: faultsOf?.(env) };
  };
  return async (event, context) => {
    const slot = free.pop() ?? create();
    // A crashed environment is gone: Lambda starts a new one for the next invocation.
    let alive = true;
    try {
      if (slot.run === undefined) return await slot.handler(event, context);
      const { result, dead } = await slot.run(() => slot.handler(event, context));
      alive = !dead;
      return result;
    } catch (error) {
      if (error instanceof SimulatedCrashError) alive = false;
      throw error;
    } finally {
      if (alive) free.push(slot);
    }
  };
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Starts the whole pipeline in this process: DynamoDB Local (table and stream), fauxqs (bucket and
 * queues), the deployed parser, worker and KPI handlers behind emulated event sources.
 * docs/local-runtime.md describes the wiring and where it differs from Lambda.
 */
export async function startLocalPipeline(options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => log(`stopping the local pipeline: ${String(error)}`));
    }
  };

  if (active) throw new PipelineInUseError();
  active = true;
  cleanups.push(async () => {
    active = false;
  });
  try {
    let dynamoEndpoint: string;
    let tableName = options.tableName ?? `dumpflow-local-${Date.now().toString(36)}`;
    let tableExists = false;
    if (options.stateDir !== undefined) {
      const state = await openLocalState(options.stateDir);
      cleanups.push(() => state.close());
      dynamoEndpoint = state.endpoint;
      tableName = state.tableName;
      tableExists = await stateTableExists(state.endpoint);
    } else if (options.dynamoEndpoint === undefined) {
      const dynamo: DynamoDbLocal = await startDynamoDbLocal();
      cleanups.push(() => dynamo.stop());
      dynamoEndpoint = dynamo.endpoint;
    } else {
      dynamoEndpoint = options.dynamoEndpoint;
    }
    const faults = options.faults;
    const pausing = faults !== undefined && faults.spec.pause > 0;
    const settings = localSettings({
      deliveriesPerMessage: faults?.spec.redeliver ?? 1,
      faulted: faults !== undefined,
      paused: pausing,
    });
    // The deployed visibility rule: a worker batch on a loaded DynamoDB Local outlasted 30 s and
    // its chunks were delivered twice. Failed messages still return after the pollers'
    // retryAfterSeconds, not after this.
    const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? settings.visibilityTimeoutSeconds;
    const services: LocalS3Sqs = await startLocalS3Sqs({
      visibilityTimeoutSeconds,
      maxReceiveCount: settings.maxReceiveCount,
    });
    cleanups.push(() => services.stop());
    const region = services.region;
    const common = { endpoint: dynamoEndpoint, region, credentials: LOCAL_CREDENTIALS };
    const dynamodb = new DynamoDBClient(common);
    const streams = new DynamoDBStreamsClient(common);
    // The SDK's logger middleware builds a redacted copy of every response for a logger that is
    // off; for GetRecords that is every stream record again (~7% of the run's CPU in a profile).
    streams.middlewareStack.remove('loggerMiddleware');
    const { s3, sqs } = services.clients();
    cleanups.push(async () => {
      for (const client of [dynamodb, streams, s3, sqs]) client.destroy();
    });

    if (tableExists) await checkTableLayout(dynamodb, tableName);
    else await createTable(dynamodb, tableName, { stream: true });
    const described = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
    const streamArn = described.Table?.LatestStreamArn;
    if (streamArn === undefined) {
      throw new DumpflowError('E_DYNAMODB_LOCAL', `table ${tableName} was created without a stream`);
    }

    let proxy: OutageProxy | undefined;
    if (faults !== undefined && faults.spec.ddbRestart > 0) {
      proxy = await startOutageProxy(dynamoEndpoint, faults.log);
      cleanups.push(() => proxy!.close());
    }
    const dayLeaseMs = options.dayLeaseMs ?? settings.dayLeaseMs;
    // Longer than both the lease and the visibility timeout: the stalled invocation's day is taken
    // over and its message delivered again before it carries on.
    const pauseMs = Math.max(dayLeaseMs, visibilityTimeoutSeconds * 1000) + 5_000;
    const watch = options.watch ?? (faults === undefined ? DEFAULT_WATCH : FAULT_WATCH);
    const uploadKeys: UploadKeyRule = {
      layout: options.uploadKeyLayout ?? DEFAULT_UPLOAD_KEY_LAYOUT,
      incomingPrefix: PIPELINE_SETTINGS.incomingPrefix,
    };
    const env: Record<string, string> = {
      ...services.endpointEnv,
      // The functions reach DynamoDB through the outage proxy when there is one; the runtime's own
      // bookkeeping (ledger polling, the stream) goes straight to DynamoDB Local.
      AWS_ENDPOINT_URL_DYNAMODB: proxy?.endpoint ?? dynamoEndpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] || LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] || LOCAL_CREDENTIALS.secretAccessKey,
      FANOUT_QUEUE_URL: services.queues.fanout.url,
      TABLE_NAME: tableName,
      DUMPFLOW_S3_FORCE_PATH_STYLE: 'true',
      [ENV.dayLeaseMs]: String(dayLeaseMs),
      [ENV.dumpQueueUrl]: services.queues.dump.url,
      [ENV.dumpDeadlineMs]: String(watch.deadlineMs),
      [ENV.kpiGraceMs]: String(watch.kpiGraceMs),
      [ENV.maxRedrives]: String(watch.maxRedrives),
      [ENV.incomingPrefix]: uploadKeys.incomingPrefix,
      [ENV.uploadKeyLayout]: uploadKeys.layout,
    };
    const previousEnv = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    Object.assign(process.env, env);
    cleanups.push(async () => {
      for (const [name, value] of Object.entries(previousEnv)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });
    const meter = new CapacityTapMeter();
    let environments = 0;
    const load = () => {
      const environment = (options.loadEnvironment ?? loadFreshEnvironment)();
      tapConsumedCapacity(environment.dynamodb, meter);
      faults?.instrumentDynamoDb(environment.dynamodb, ++environments);
      return environment;
    };
    const faultsOf = (fn: 'parser' | 'worker') => (e: FunctionEnvironment) =>
      faults?.invocationFaults(fn, { dynamodb: e.dynamodb, others: [e.s3, e.sqs] }, pauseMs);
    const handlers = {
      parser: pooled(load, (e) => e.parser, faultsOf('parser')),
      worker: pooled(load, (e) => e.worker, faultsOf('worker')),
      kpi: pooled(load, (e) => e.kpi),
      watchdog: pooled(load, (e) => e.watchdog),
      capacity: { totals: () => meter.totals() },
    };

    const parser: SqsPoller = createSqsPoller({
      sqs,
      queueUrl: services.queues.dump.url,
      handler: handlers.parser,
      functionName: 'parser',
      batchSize: settings.parser.batchSize,
      concurrency: options.parserConcurrency ?? 2,
      retryAfterSeconds: 2,
      functionTimeoutMs: settings.parser.functionTimeoutMs,
      deliveriesPerMessage: faults?.spec.redeliver ?? 1,
      // Two copies of a notification reaching two parser instances at the same instant.
      simultaneousFirstDeliveries: (faults?.spec.s3Duplicate ?? 1) > 1 ? 2 : 1,
      log,
    });
    const worker: SqsPoller = createSqsPoller({
      sqs,
      queueUrl: services.queues.fanout.url,
      handler: handlers.worker,
      functionName: 'worker',
      batchSize: settings.worker.batchSize,
      concurrency: options.workerConcurrency ?? 4,
      retryAfterSeconds: 2,
      functionTimeoutMs: settings.worker.functionTimeoutMs,
      deliveriesPerMessage: faults?.spec.redeliver ?? 1,
      log,
    });
    const kpi: StreamPoller = createStreamPoller({
      streams,
      streamArn,
      handler: handlers.kpi,
      functionName: 'kpi',
      // A kept table's stream still holds what earlier runs wrote; their KPIs are already stored.
      startingPosition: tableExists ? 'LATEST' : settings.kpi.startingPosition,
      filterPatterns: [KPI_STREAM_FILTER_PATTERN],
      bisectBatchOnFunctionError: settings.kpi.bisectBatchOnFunctionError,
      maxRetryAttempts: settings.kpi.maxRetryAttempts,
      functionTimeoutMs: settings.kpi.functionTimeoutMs,
      onFailure: { sqs, queueUrl: services.queues.kpiFailure.url },
      region,
      log,
    });
    cleanups.push(async () => {
      await Promise.all([parser.stop(), worker.stop(), kpi.stop(), watchdog.stop()]);
    });
    await Promise.all([parser.start(), worker.start(), kpi.start()]);
    const watchdog: Schedule = createSchedule({
      functionName: 'watchdog',
      handler: handlers.watchdog,
      intervalMs: options.watchdogIntervalMs ?? (faults === undefined ? 30_000 : 3_000),
      region,
      timeoutMs: settings.watchdog.functionTimeoutMs,
      log,
    });
    watchdog.start();

    const uploader = dumpUploaderFor(services, { s3, sqs });
    const devices = new Map<string, { patientId: string; deviceId: string }>();
    const ledgerDeps = { client: dynamodb, tableName };
    let phases = 0;
    let phaseRunning = false;
    // A kept state outlives the run: this run's uploads are new objects, as a device's next uploads
    // are, rather than the same keys and ETags an earlier run's ledger already holds.
    const runPrefix = options.stateDir === undefined ? '' : `run-${Date.now().toString(36)}/`;

    const allIdle = async () => {
      const [p, w] = await Promise.all([parser.isIdle(), worker.isIdle()]);
      return p && w && kpi.isIdle() && watchdog.isIdle();
    };

    const runPhase = async (dumps: readonly LocalDump[], phase: PhaseOptions = {}): Promise<PhaseResult> => {
      phases += 1;
      const deadline = Date.now() + (phase.timeoutMs ?? 600_000);
      const remaining = () => Math.max(1, deadline - Date.now());
      const started = Date.now();
      const before = handlers.capacity.totals();
      const previousNow = process.env['DUMPFLOW_NOW'];
      // The parser reads DUMPFLOW_NOW for each dump it claims (config.now is a live getter).
      if (phase.now === undefined) delete process.env['DUMPFLOW_NOW'];
      else process.env['DUMPFLOW_NOW'] = String(phase.now);

      try {
        const total = dumps.length;
        phase.onProgress?.({ total, finished: 0, rejected: 0, stage: 'uploading' });
        for (const dump of dumps) {
          try {
            const { header } = checkDump(dump.bytes);
            devices.set(summaryPk(header.patientId, header.deviceId), header);
          } catch {
            // A malformed dump stores nothing and has no KPIs to show.
          }
        }
        // Uploaded object (bucket/key#etag) -> its file name and the ref the ledger claims it under.
        const pending = new Map<string, { readonly name: string; readonly ref: DumpRef }>();
        const duplicating = faults !== undefined && faults.spec.s3Duplicate > 1;
        const written: CreatedObject[] = [];
        let next = 0;
        const uploadLane = async () => {
          while (next < dumps.length) {
            const dump = dumps[next++]!;
            const device = uploaderDeviceId(dump.bytes, dump.uploadedBy);
            const key = localUploadKey(uploadKeys, device, `${runPrefix}phase-${phases}/${dump.name}`);
            // With s3-duplicate the notifications go out together, repeated and shuffled, below.
            const uploaded = duplicating
              ? await uploader.put(key, dump.bytes)
              : await uploader.upload(key, dump.bytes);
            written.push(uploaded);
            const ref = { bucket: uploaded.bucket, key: uploaded.key, version: uploaded.eTag };
            pending.set(`${ref.bucket}/${ref.key}#${ref.version}`, { name: dump.name, ref });
          }
        };
        await Promise.all(Array.from({ length: Math.min(4, dumps.length) }, uploadLane));
        if (duplicating) {
          for (const object of faults.notifications(written)) await uploader.notify(object);
        }
        const order = [...pending.keys()];
        phaseRunning = true;
        const outages = proxy === undefined ? undefined : faults?.runOutages(proxy, () => phaseRunning);

        const finished = new Map<string, LedgerEntry>();
        let rejected = 0;
        const readPending = async () => {
          const ids = order.filter((id) => !finished.has(id));
          const entries = await Promise.all(ids.map((id) => readLedgerOf(ledgerDeps, pending.get(id)!.ref)));
          entries.forEach((entry, i) => {
            if (entry && FINAL_STATUSES.has(entry.status)) {
              finished.set(ids[i]!, entry);
              if (entry.status === 'REJECTED') rejected += 1;
            }
          });
          phase.onProgress?.({
            total,
            finished: finished.size,
            rejected,
            stage: finished.size === total ? 'settling' : 'processing',
          });
          return finished.size === total;
        };

        // Every dump finished, and then every event source idle in the same pass (the parser feeds
        // the worker, the worker feeds the stream, so one idle source can wake up again).
        for (;;) {
          if (await readPending()) {
            await parser.waitForIdle({ timeoutMs: remaining() });
            await worker.waitForIdle({ timeoutMs: remaining() });
            await kpi.waitForIdle({ timeoutMs: remaining() });
            if ((await allIdle()) && (await readPending())) break;
            continue;
          }
          // With faults a dump may be stuck on purpose: the watchdog re-drives it past its deadline.
          if (faults === undefined && (await allIdle()) && !(await readPending())) {
            throw new PipelineStuckError(
              order.filter((id) => !finished.has(id)).map((id) => pending.get(id)!.name),
            );
          }
          if (Date.now() > deadline) {
            throw new NotIdleError(
              `phase ${phases}`,
              phase.timeoutMs ?? 600_000,
              `${total - finished.size} of ${total} dump(s) not finished`,
            );
          }
          await sleep(250);
        }

        phaseRunning = false;
        await outages;
        const results = order.map((id) => ({ fileName: pending.get(id)!.name, ledger: finished.get(id)! }));
        const capacity = capacitySince(handlers.capacity.totals(), before);
        return { report: phaseReport(results, capacity, Date.now() - started), finished: results };
      } finally {
        phaseRunning = false;
        if (previousNow === undefined) delete process.env['DUMPFLOW_NOW'];
        else process.env['DUMPFLOW_NOW'] = previousNow;
      }
    };

    const kpis = async (): Promise<KpiRow[]> => {
      const rows: KpiRow[] = [];
      for (const pk of devices.keys()) {
        const { patientId, deviceId } = parseSummaryPk(pk)!;
        const { Item } = await dynamodb.send(
          new GetItemCommand({
            TableName: tableName,
            Key: kpiKey(patientId, deviceId),
            ConsistentRead: true,
          }),
        );
        if (Item) rows.push(kpiRowOf(kpisFromItem(Item)));
      }
      return rows.sort(
        (a, b) => a.patientId.localeCompare(b.patientId) || a.deviceId.localeCompare(b.deviceId),
      );
    };

    const deadLetters = async (): Promise<DeadLetters> => {
      const [dumpQueue, fanoutQueue, kpiFailures] = await Promise.all(
        [services.queues.dumpDlq, services.queues.fanoutDlq, services.queues.kpiFailure].map((queue) =>
          messagesIn(sqs, queue.url),
        ),
      );
      return { dumpQueue: dumpQueue!, fanoutQueue: fanoutQueue!, kpiFailures: kpiFailures! };
    };

    const faultTotals = () =>
      faults?.log.totals({
        redeliveries: parser.counters.redelivered + worker.counters.redelivered,
        simultaneousDeliveries: parser.counters.simultaneous,
        sqsRetries: parser.counters.failed + worker.counters.failed,
        streamRetries: kpi.counters.retries,
      });

    return {
      dynamoEndpoint,
      tableName,
      bucket: services.bucket,
      clients: { s3, dynamodb },
      runPhase,
      kpis,
      deadLetters,
      faultTotals,
      eventSourceCounters: () => ({ parser: parser.counters, worker: worker.counters, kpi: kpi.counters }),
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

async function messagesIn(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** What a run reports of a patient-device's KPIs: the spec's KPIs, without the item's bookkeeping. */
function kpiRowOf(kpis: StoredKpis): KpiRow {
  const {
    patientId,
    deviceId,
    asOf,
    usageDays,
    compliancePct,
    avgUsageMinutes,
    ahi,
    meanLeak,
    alarms,
    events,
  } = kpis;
  return {
    patientId,
    deviceId,
    asOf,
    usageDays,
    compliancePct,
    avgUsageMinutes,
    ahi,
    meanLeak,
    alarms,
    events,
  };
}
