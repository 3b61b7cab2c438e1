import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DumpflowError } from '../lambdas/core/errors';
import { DEFAULT_WATCH } from '../lambdas/core/ledger/watch';
import { checkTableLayout } from '../lambdas/core/storage/layout';
import { KPI_STREAM_FILTER_PATTERN } from '../lambdas/core/storage/stream-filter';
import { createTable } from '../lambdas/core/storage/table';
import { DEFAULT_UPLOAD_KEY_LAYOUT, type UploadKeyRule } from '../lambdas/core/upload-key';
import { ENV } from '../lambdas/shared/config';
import { PIPELINE_SETTINGS } from '../lambdas/shared/pipeline-settings';
import { CapacityTapMeter, tapConsumedCapacity } from './capacity-tap';
import { localSettings } from './deployed-settings';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { createSchedule, type Schedule } from './event-sources/schedule';
import { createSqsPoller, type SqsPoller } from './event-sources/sqs-poller';
import { createStreamPoller, type StreamPoller } from './event-sources/stream-poller';
import { startOutageProxy, type OutageProxy } from './faults/outage-proxy';
import { loadFreshEnvironment, pooled, type FunctionEnvironment } from './function-environment';
import { createPhaseRunner } from './phase-runner';
import {
  FAULT_WATCH,
  PipelineInUseError,
  type LocalPipeline,
  type LocalPipelineOptions,
} from './pipeline-api';
import { countDeadLetters, readKpiRows } from './pipeline-reads';
import { dumpUploaderFor, startLocalS3Sqs, type LocalS3Sqs } from './services/s3-sqs';
import { openLocalState, stateTableExists } from './state';

export * from './pipeline-api';
export { loadFreshEnvironment, type FunctionEnvironment } from './function-environment';

/** Only one pipeline may own process.env (the handlers read it on every invocation). */
let active = false;

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
    const ledgerDeps = { dynamodb, tableName };
    // A kept state outlives the run: this run's uploads are new objects, as a device's next uploads
    // are, rather than the same keys and ETags an earlier run's ledger already holds.
    const runPrefix = options.stateDir === undefined ? '' : `run-${Date.now().toString(36)}/`;

    const runPhase = createPhaseRunner({
      faults,
      proxy,
      uploader,
      uploadKeys,
      runPrefix,
      ledgerDeps,
      devices,
      capacity: handlers.capacity,
      pollers: { parser, worker, kpi, watchdog },
    });
    const kpis = () => readKpiRows(dynamodb, tableName, devices.keys());
    const deadLetters = () => countDeadLetters(sqs, services.queues);

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
