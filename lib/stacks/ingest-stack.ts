/**
 * The Ingest stack: bucket, queues, the four functions, their event sources and their exact
 * grants. One file on purpose: each function's least-privilege grants sit next to the function
 * and the event source that need them, so a reviewer checks a role's whole reach in one place
 * (test/infra/least-privilege.test.ts holds the same sets).
 */
import * as path from 'path';
import { CfnOutput, Duration, Names, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ConfigError } from '../../lambdas/core/errors';
import { KPI_STREAM_FILTER_PATTERN } from '../../lambdas/core/storage/stream-filter';
import { TABLE_DEFINITION } from '../../lambdas/core/storage/table';
import { ENV } from '../../lambdas/shared/config';
import { CONTEXT_PREFIX, type DumpflowConfig, type FunctionSettings } from '../config';
import { DumpBucket } from '../constructs/dump-bucket';
import { DumpTable } from '../constructs/dump-table';
import {
  grantIndexQuery,
  grantSendMessages,
  grantStreamRead,
  grantTableItems,
  SendOnlySqsDestination,
  type TableItemAction,
} from '../constructs/least-privilege';
import { dayLeaseMsFor, PIPELINE_SETTINGS } from '../../lambdas/shared/pipeline-settings';
import { PipelineFunction } from '../constructs/pipeline-function';
import { QueueWithDlq } from '../constructs/queue-with-dlq';
import { createEncryptionKey, removalPolicyOf, SECURE_DEFAULTS } from '../constructs/secure-defaults';

/** Namespace and `service` dimension of the custom metrics the handlers publish (Powertools). */
export const METRICS_NAMESPACE = PIPELINE_SETTINGS.metricsNamespace;
export const SERVICE_NAME = PIPELINE_SETTINGS.serviceName;

const HANDLERS_DIR = path.join(__dirname, '..', '..', 'lambdas', 'handlers');

/** Day-summary changes are batched briefly so one invocation refreshes several patient-devices. */
const KPI_BATCHING_WINDOW = Duration.seconds(PIPELINE_SETTINGS.kpi.batchingWindowSeconds);

/**
 * The DynamoDB item actions each function's code calls (lambdas/app, lambdas/core/storage and
 * lambdas/core/kpi, in the storage layout of issue 14), and nothing else: no Scan, no
 * BatchWriteItem, no DeleteItem outside the worker. Transaction elements count as their kind.
 */
export const TABLE_ACCESS = {
  /** Ledger claim, reads, updates and the day-summary Query; its transaction holds Update + Put. */
  parser: ['GetItem', 'PutItem', 'UpdateItem', 'Query'],
  /** Digest and summary reads, day lease, commit transaction of Put, Delete and ConditionCheck. */
  worker: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'],
  /** Queries the day summaries, reads and writes the KPI item. */
  kpi: ['Query', 'PutItem', 'GetItem'],
  /**
   * Queries the watch index and a dump's chunk outcomes, reads ledgers and KPI items, updates
   * ledgers (re-drive count, FAILED, leaving the watch, completion) and recomputes KPIs.
   */
  watchdog: ['Query', 'GetItem', 'UpdateItem', 'PutItem'],
} as const satisfies Record<string, readonly TableItemAction[]>;

export interface IngestStackProps extends StackProps {
  readonly config: DumpflowConfig;
  /**
   * The table from the data stack.
   * @default - the table named by `config.existingTable` (the restore path); one of the two must be set
   */
  readonly table?: dynamodb.ITableV2;
}

/**
 * The pipeline's compute and plumbing: dump bucket -> dump queue -> parser -> fan-out queue ->
 * worker -> table, and table stream -> KPI function. Every function gets only the grants its
 * step needs; every queue has a DLQ; every failure path ends somewhere a human can look.
 */
export class IngestStack extends Stack {
  /** The table the functions read and write: the Data stack's, or the existing one of the restore path. */
  public readonly table: dynamodb.ITableV2;
  public readonly dumpBucket: DumpBucket;
  public readonly dumpQueue: QueueWithDlq;
  public readonly fanoutQueue: QueueWithDlq;
  /** Where the KPI event source sends metadata of stream batches it gave up on. */
  public readonly kpiFailureQueue: sqs.Queue;
  public readonly parser: PipelineFunction;
  public readonly worker: PipelineFunction;
  public readonly kpi: PipelineFunction;
  public readonly watchdog: PipelineFunction;
  /** Invokes the watchdog every config.watchdog.intervalMinutes. */
  public readonly watchdogSchedule: events.Rule;
  public readonly queueKey: kms.Key;
  public readonly logKey: kms.Key;

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = removalPolicyOf(config.removalPolicy);
    this.table = props.table ?? this.existingTable(config);
    const table = this.table;

    this.logKey = createEncryptionKey(this, 'LogKey', {
      description: 'dumpflow Lambda log groups',
      removalPolicy,
    });
    this.logKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsForThisAccountsLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*`,
          },
        },
      }),
    );
    this.queueKey = createEncryptionKey(this, 'QueueKey', {
      description: 'dumpflow queues and dead-letter queues',
      removalPolicy,
    });

    this.dumpBucket = new DumpBucket(this, 'DumpBucket', {
      incomingPrefix: config.incomingPrefix,
      rejectedPrefix: config.rejectedPrefix,
      stagingPrefix: config.stagingPrefix,
      processedRetentionDays: config.processedRetentionDays,
      rejectedRetentionDays: config.rejectedRetentionDays,
      noncurrentRetentionDays: config.noncurrentRetentionDays,
      accessLogRetentionDays: config.logRetentionDays,
      removalPolicy,
    });

    const functionDefaults = {
      logEncryptionKey: this.logKey,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: removalPolicy,
    };
    const { watch } = config.watchdog;
    const commonEnvironment = {
      [ENV.tableName]: table.tableName,
      // One set of deadlines for the parser (claim), the worker (completion) and the watchdog.
      [ENV.dumpDeadlineMs]: String(watch.deadlineMs),
      [ENV.kpiGraceMs]: String(watch.kpiGraceMs),
      [ENV.maxRedrives]: String(watch.maxRedrives),
      [ENV.saltBuckets]: String(config.saltBuckets),
      [ENV.serviceName]: SERVICE_NAME,
      [ENV.metricsNamespace]: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: config.logLevel,
    };
    const sizing = (settings: FunctionSettings) => ({
      memorySize: settings.memoryMb,
      timeout: Duration.seconds(settings.timeoutSeconds),
      reservedConcurrentExecutions: settings.reservedConcurrency,
    });

    // Queues are sized from their consumer's timeout, so they are declared with it.
    this.fanoutQueue = new QueueWithDlq(this, 'FanoutQueue', {
      encryptionKey: this.queueKey,
      consumerTimeout: Duration.seconds(config.worker.timeoutSeconds),
      maxReceiveCount: config.maxReceiveCount,
    });
    this.dumpQueue = new QueueWithDlq(this, 'DumpQueue', {
      encryptionKey: this.queueKey,
      consumerTimeout: Duration.seconds(config.parser.timeoutSeconds),
      maxReceiveCount: config.maxReceiveCount,
    });
    this.dumpBucket.notifyOnIncoming(this.dumpQueue.queue);

    this.parser = new PipelineFunction(this, 'Parser', {
      entry: path.join(HANDLERS_DIR, 'parser.ts'),
      description: 'dumpflow parser: decode a dump, settle whole days, fan out device-day chunks',
      ...sizing(config.parser),
      ...functionDefaults,
      environment: {
        ...commonEnvironment,
        [ENV.fanoutQueueUrl]: this.fanoutQueue.queue.queueUrl,
        [ENV.rejectedPrefix]: config.rejectedPrefix,
        [ENV.stagingPrefix]: config.stagingPrefix,
        [ENV.incomingPrefix]: config.incomingPrefix,
        [ENV.uploadKeyLayout]: config.uploadKeyLayout,
      },
    });
    this.dumpBucket.grantReadIncoming(this.parser.role);
    this.dumpBucket.grantWriteRejected(this.parser.role);
    this.dumpBucket.grantWriteStaging(this.parser.role);
    grantTableItems(table, this.parser.role, TABLE_ACCESS.parser);
    grantSendMessages(this.fanoutQueue.queue, this.parser.role);
    // The event source grants the consumer side on the dump queue only (Receive, Delete,
    // ChangeMessageVisibility, GetQueueAttributes, GetQueueUrl; kms:Decrypt on the queue key).
    this.parser.function.addEventSource(
      new sources.SqsEventSource(this.dumpQueue.queue, {
        batchSize: PIPELINE_SETTINGS.parser.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: config.parser.maxConcurrency,
      }),
    );

    this.worker = new PipelineFunction(this, 'Worker', {
      entry: path.join(HANDLERS_DIR, 'worker.ts'),
      description: 'dumpflow worker: dedupe device-day chunks (or a staged dense day) and write new events',
      ...sizing(config.worker),
      ...functionDefaults,
      environment: {
        ...commonEnvironment,
        // The lease outlives the worker (a worker past its time limit is dead and cannot write
        // after another one took the device-day over).
        [ENV.dayLeaseMs]: String(dayLeaseMsFor(config.worker.timeoutSeconds)),
        // A dense day the invocation has no time left for is handed on as a new message.
        [ENV.fanoutQueueUrl]: this.fanoutQueue.queue.queueUrl,
      },
    });
    grantTableItems(table, this.worker.role, TABLE_ACCESS.worker);
    this.dumpBucket.grantReadStaging(this.worker.role);
    grantSendMessages(this.fanoutQueue.queue, this.worker.role);
    this.worker.function.addEventSource(
      new sources.SqsEventSource(this.fanoutQueue.queue, {
        batchSize: config.worker.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: config.worker.maxConcurrency,
      }),
    );

    this.kpiFailureQueue = new sqs.Queue(this, 'KpiFailureQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.queueKey,
      enforceSSL: true,
      retentionPeriod: SECURE_DEFAULTS.deadLetterRetention,
    });
    this.kpi = new PipelineFunction(this, 'Kpi', {
      entry: path.join(HANDLERS_DIR, 'kpi.ts'),
      description: 'dumpflow KPI: recompute 45-day KPIs of patient-devices whose day summaries changed',
      ...sizing(config.kpi),
      ...functionDefaults,
      environment: commonEnvironment,
    });
    grantTableItems(table, this.kpi.role, TABLE_ACCESS.kpi);
    grantStreamRead(table, this.kpi.role);
    // A mapping of its own instead of DynamoEventSource, whose grantStreamRead() would add
    // ListStreams on the stream ARN (which never matches) plus DescribeKey, and whose SqsDlq would
    // grant more than SendMessage. The construct id is DynamoEventSource's, so the mapping keeps
    // its logical id and is updated in place: Lambda refuses a second mapping of the same stream to
    // the same function, which a create-before-delete replacement would need.
    this.kpi.function.addEventSourceMapping(`DynamoDBEventSource:${Names.nodeUniqueId(table.node)}`, {
      // Defined: grantStreamRead() above refuses a table without a stream.
      eventSourceArn: table.tableStreamArn,
      startingPosition: lambda.StartingPosition[PIPELINE_SETTINGS.kpi.startingPosition],
      batchSize: config.kpi.batchSize,
      maxBatchingWindow: KPI_BATCHING_WINDOW,
      filters: [lambda.FilterCriteria.filter(KPI_STREAM_FILTER_PATTERN)],
      bisectBatchOnError: PIPELINE_SETTINGS.kpi.bisectBatchOnError,
      reportBatchItemFailures: true,
      maxRecordAge: Duration.seconds(config.kpi.maxRecordAgeSeconds),
      retryAttempts: config.kpi.retryAttempts,
      parallelizationFactor: config.kpi.parallelizationFactor,
      onFailure: new SendOnlySqsDestination(this.kpiFailureQueue),
    });

    this.watchdog = new PipelineFunction(this, 'Watchdog', {
      entry: path.join(HANDLERS_DIR, 'watchdog.ts'),
      description:
        'dumpflow watchdog: re-drive dumps past their deadline, fail hopeless ones, repair stale KPIs',
      ...sizing(config.watchdog),
      ...functionDefaults,
      environment: { ...commonEnvironment, [ENV.dumpQueueUrl]: this.dumpQueue.queue.queueUrl },
    });
    grantTableItems(table, this.watchdog.role, TABLE_ACCESS.watchdog);
    grantIndexQuery(table, this.watchdog.role, TABLE_DEFINITION.watchIndex.indexName);
    // A re-drive is a notification on the dump queue, read by the parser like S3's own.
    grantSendMessages(this.dumpQueue.queue, this.watchdog.role);
    this.watchdogSchedule = new events.Rule(this, 'WatchdogSchedule', {
      description: 'Runs the dumpflow watchdog',
      schedule: events.Schedule.rate(Duration.minutes(config.watchdog.intervalMinutes)),
      targets: [new targets.LambdaFunction(this.watchdog.function, { retryAttempts: 2 })],
    });

    this.acknowledgeFindings(config);
    this.addOutputs(config);
  }

  /**
   * What operators and tools need to find the deployment's resources (docs/deploy.md, "Stack
   * outputs"; docs/operations.md uses them). Values only: every name is CloudFormation's.
   */
  private addOutputs(config: DumpflowConfig): void {
    const outputs: Record<string, { value: string; description: string }> = {
      Region: { value: this.region, description: 'Region of the pipeline (and of the table it uses)' },
      BucketName: {
        value: this.dumpBucket.bucket.bucketName,
        description: 'Dump bucket: devices upload their dumps here, under UploadPrefix',
      },
      UploadPrefix: {
        value: config.incomingPrefix,
        description:
          config.uploadKeyLayout === 'device-prefix'
            ? 'Key prefix devices upload to, each under <prefix><encoded deviceId>/ (docs/deploy.md); only objects under it are processed'
            : 'Key prefix devices upload to; only objects under it are processed',
      },
      RejectedPrefix: {
        value: config.rejectedPrefix,
        description: 'Key prefix of the tagged copies of rejected dumps (tag dumpflow-rejected=<code>)',
      },
      AccessLogsBucketName: {
        value: this.dumpBucket.accessLogsBucket.bucketName,
        description: 'Server access logs of the dump bucket (prefix dump-bucket/)',
      },
      TableName: {
        value: this.table.tableName,
        description:
          'Table the functions read and write: the Data stack table, or dumpflow:existingTableName',
      },
      DumpQueueUrl: {
        value: this.dumpQueue.queue.queueUrl,
        description: 'Dump queue: one S3 notification per upload, consumed by the parser',
      },
      DumpDeadLetterQueueUrl: {
        value: this.dumpQueue.deadLetterQueue.queueUrl,
        description:
          'Dump queue DLQ: notifications the parser failed on maxReceiveCount times (redrive: docs/operations.md)',
      },
      FanoutQueueUrl: {
        value: this.fanoutQueue.queue.queueUrl,
        description: 'Fan-out queue: device-day chunks from the parser, consumed by the worker',
      },
      FanoutDeadLetterQueueUrl: {
        value: this.fanoutQueue.deadLetterQueue.queueUrl,
        description:
          'Fan-out queue DLQ: chunks the worker failed on maxReceiveCount times (holds event data)',
      },
      KpiFailureQueueUrl: {
        value: this.kpiFailureQueue.queueUrl,
        description: 'KPI on-failure queue: descriptions of table-stream batches the KPI function gave up on',
      },
    };
    if (this.table.tableStreamArn !== undefined) {
      outputs['TableStreamArn'] = {
        value: this.table.tableStreamArn,
        description: 'Stream that triggers the KPI function',
      };
    }
    if (this.table.encryptionKey !== undefined) {
      outputs['TableKeyArn'] = {
        value: this.table.encryptionKey.keyArn,
        description: 'Customer-managed KMS key of the table (a point-in-time restore reuses it)',
      };
    }
    for (const [name, label, fn] of [
      ['Parser', 'Parser', this.parser],
      ['Worker', 'Worker', this.worker],
      ['Kpi', 'KPI', this.kpi],
      ['Watchdog', 'Watchdog', this.watchdog],
    ] as const) {
      outputs[`${name}FunctionName`] = {
        value: fn.function.functionName,
        description: `${label} Lambda function`,
      };
      outputs[`${name}LogGroupName`] = {
        value: fn.logGroup.logGroupName,
        description: `${label} function logs (JSON lines)`,
      };
    }
    for (const [name, { value, description }] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value, description });
    }
  }

  private existingTable(config: DumpflowConfig): dynamodb.ITableV2 {
    if (config.existingTable === undefined) {
      throw new ConfigError(
        `the Ingest stack needs a table: the Data stack's, or ${CONTEXT_PREFIX}existingTableName and its stream and key`,
      );
    }
    return DumpTable.fromExisting(this, 'ExistingTable', config.existingTable);
  }

  /** Findings that do not apply to this design, each with the reason, on the resource it concerns. */
  private acknowledgeFindings(config: DumpflowConfig): void {
    const isDeadLetterQueue =
      'this queue is itself the on-failure destination (a DLQ) of the KPI stream event source; cdk-nag only ' +
      'recognises queues named in another queue’s redrive policy, and a DLQ behind it would only move records again';
    Validations.of(this.kpiFailureQueue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: isDeadLetterQueue },
      { id: 'Serverless-SQSRedrivePolicy', reason: isDeadLetterQueue },
    );

    Validations.of(this.kpi.role.policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams, which the stream event source mapping needs, has no resource-level permissions ' +
        '(AWS documents "*" as its only resource); it lists stream ARNs, never records. The stream reads ' +
        '(DescribeStream, GetShardIterator, GetRecords) are granted on the table stream ARN only.',
    });
    const bucketArn = Stack.of(this).resolve(this.dumpBucket.bucket.bucketArn) as { 'Fn::GetAtt': [string] };
    const bucketLogicalId = bucketArn['Fn::GetAtt'][0];
    const prefixGrants = [
      {
        role: this.parser.role,
        prefixes: [config.incomingPrefix, config.rejectedPrefix, config.stagingPrefix],
      },
      { role: this.worker.role, prefixes: [config.stagingPrefix] },
    ];
    for (const { role, prefixes } of prefixGrants) {
      for (const prefix of prefixes) {
        Validations.of(role.policy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${prefix}*]`,
          reason:
            `object actions on the keys under ${prefix} only: a key prefix is the narrowest resource an ` +
            'S3 object permission can name when the object keys are not known in advance.',
        });
      }
    }

    const functions = [
      { name: 'parser', fn: this.parser, settings: config.parser, failurePath: 'the dump queue’s DLQ' },
      { name: 'worker', fn: this.worker, settings: config.worker, failurePath: 'the fan-out queue’s DLQ' },
      { name: 'kpi', fn: this.kpi, settings: config.kpi, failurePath: 'the KPI on-failure queue' },
      { name: 'watchdog', fn: this.watchdog, settings: config.watchdog, failurePath: '' },
    ];
    for (const { name, fn, settings, failurePath } of functions) {
      const dlqReason =
        name === 'watchdog'
          ? 'invoked asynchronously by its schedule with an empty event: a failed run is superseded by the next ' +
            'one minutes later and reported by the watchdog errors alarm; a dead-letter queue would only collect ' +
            'copies of the empty scheduled event.'
          : `invoked only synchronously by its event source mapping, never asynchronously; failed records go to ` +
            `${failurePath}. A function dead-letter queue applies to asynchronous invocations only and would stay empty.`;
      Validations.of(fn.function).acknowledge(
        { id: 'HIPAA.Security-LambdaDLQ', reason: dlqReason },
        { id: 'Serverless-LambdaDLQ', reason: dlqReason },
        {
          id: 'HIPAA.Security-LambdaInsideVPC',
          reason:
            'the function reaches only AWS APIs (S3, SQS, DynamoDB, KMS, X-Ray, CloudWatch) over TLS with IAM ' +
            'authorisation and has no private resources to reach; a VPC would add NAT or interface endpoints ' +
            '(cost, cold starts) without narrowing what the role may do.',
        },
      );
      if (settings.reservedConcurrency === undefined) {
        Validations.of(fn.function).acknowledge({
          id: 'HIPAA.Security-LambdaConcurrency',
          reason:
            `reserved concurrency is off for the ${config.profile} profile: fresh accounts often have too little ` +
            `concurrency to reserve any (deploy fails). Set ${CONTEXT_PREFIX}${name}ReservedConcurrency to enable it; ` +
            'the event source MaximumConcurrency (parser, worker) and the schedule (watchdog) still bound the load on the table.',
        });
      }
    }

    Validations.of(this.watchdogSchedule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'the target is the watchdog and the event is an empty schedule tick: a tick that cannot be delivered ' +
        'is superseded by the next one, and the watchdog errors alarm reports failed runs.',
    });

    for (const fn of [this.parser, this.worker]) {
      const mapping = fn.function.node.children.find(
        (child): child is lambda.EventSourceMapping => child instanceof lambda.EventSourceMapping,
      );
      if (mapping !== undefined) {
        Validations.of(mapping).acknowledge({
          id: 'Serverless-LambdaEventSourceMappingDestination',
          reason:
            'SQS event source mappings do not support on-failure destinations; the queue’s redrive policy ' +
            `(maxReceiveCount ${config.maxReceiveCount}) moves failing messages to its DLQ instead.`,
        });
      }
    }
  }
}
