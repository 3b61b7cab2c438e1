import { Match, type Template } from 'aws-cdk-lib/assertions';
import { KPI_STREAM_FILTER_PATTERN } from '../../lambdas/core/storage/stream-filter';
import { allowedActions, grantsOf } from './iam';
import {
  logicalIdOf,
  mappingFor,
  PRODUCTION_GLOBAL_CONTEXT,
  RESTORED_TABLE,
  RESTORED_TABLE_CONTEXT,
  resourceNamed,
  synthesize,
  type Synthesized,
} from './synth';

type Json = Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Json;
  Sid?: string;
}

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

function policyStatements(template: Template, functionName: string): Statement[] {
  const policy = resourceNamed(template, 'AWS::IAM::ManagedPolicy', `${functionName}RolePolicy`);
  return (policy.properties['PolicyDocument'] as { Statement: Statement[] }).Statement;
}

function keyStatements(template: Template, keyName: string): Statement[] {
  const key = resourceNamed(template, 'AWS::KMS::Key', keyName);
  return (key.properties['KeyPolicy'] as { Statement: Statement[] }).Statement;
}

function functionProps(template: Template, prefix: string): Json {
  return resourceNamed(template, 'AWS::Lambda::Function', `${prefix}Function`).properties;
}

/** Follows a `{ Fn::GetAtt: [id, 'Arn'] }` to the resource's properties. */
function resourceOfArn(template: Template, arn: unknown): Json {
  const id = (arn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const resources = template.toJSON()['Resources'] as Record<string, { Properties: Json }>;
  return (resources[id] as { Properties: Json }).Properties;
}

describe('IngestStack', () => {
  let dev: Synthesized;
  let production: Synthesized;
  /** Dev with every tunable this suite checks moved off its default, synthesized once. */
  let custom: Synthesized;

  beforeAll(() => {
    dev = synthesize();
    production = synthesize(PRODUCTION_GLOBAL_CONTEXT);
    custom = synthesize({
      'dumpflow:removalPolicy': 'destroy',
      'dumpflow:parserTimeoutSeconds': '300',
      'dumpflow:workerTimeoutSeconds': '90',
      'dumpflow:maxReceiveCount': '3',
      'dumpflow:kpiBatchSize': '250',
      'dumpflow:kpiParallelizationFactor': '4',
      'dumpflow:kpiMaxRecordAgeSeconds': '7200',
      'dumpflow:kpiRetryAttempts': '2',
      'dumpflow:saltBuckets': '32',
      'dumpflow:logLevel': 'DEBUG',
      'dumpflow:workerMemoryMb': '2048',
    });
  });

  describe('dump bucket', () => {
    let bucket: { id: string; properties: Json };
    beforeAll(() => {
      bucket = resourceNamed(dev.ingest, 'AWS::S3::Bucket', 'DumpBucket');
    });

    it('encrypts with its customer-managed key and an S3 bucket key', () => {
      const keyId = logicalIdOf(dev.ingest, 'AWS::KMS::Key', 'DumpBucketKey');
      expect(bucket.properties['BucketEncryption']).toEqual({
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
          },
        ],
      });
      expect(
        resourceNamed(dev.ingest, 'AWS::KMS::Key', 'DumpBucketKey').properties['EnableKeyRotation'],
      ).toBe(true);
    });

    it('logs server access to the separate access-log bucket', () => {
      const logBucketId = logicalIdOf(dev.ingest, 'AWS::S3::Bucket', 'DumpBucketAccessLogs');
      expect(bucket.properties['LoggingConfiguration']).toEqual({
        DestinationBucketName: { Ref: logBucketId },
        LogFilePrefix: 'dump-bucket/',
      });
    });

    it('denies requests without TLS and below TLS 1.2', () => {
      dev.ingest.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bucket.id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        },
      });
    });

    it('follows the retention context keys', () => {
      const rules = (
        resourceNamed(production.ingest, 'AWS::S3::Bucket', 'DumpBucket').properties[
          'LifecycleConfiguration'
        ] as { Rules: Json[] }
      ).Rules;
      expect(rules).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ Prefix: 'incoming/', ExpirationInDays: 90 }),
          expect.objectContaining({ Prefix: 'rejected/', ExpirationInDays: 365 }),
          expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      );
    });

    it('is retained by default and emptied then deleted only with removalPolicy=destroy', () => {
      dev.ingest.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
      custom.ingest.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
      custom.ingest.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    });
  });

  describe('access-log bucket', () => {
    it('is private, versioned, TLS-only, SSE-S3 (log delivery cannot use SSE-KMS) and expires logs', () => {
      const logs = resourceNamed(dev.ingest, 'AWS::S3::Bucket', 'DumpBucketAccessLogs');
      expect(logs.properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: {
          Rules: [
            expect.objectContaining({
              ExpirationInDays: 30,
              NoncurrentVersionExpiration: { NoncurrentDays: 7 },
            }),
          ],
        },
      });
      dev.ingest.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logs.id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'logging.s3.amazonaws.com' },
              Action: 's3:PutObject',
            }),
          ]),
        },
      });
    });
  });

  describe('S3 notification to the dump queue', () => {
    // Which events and prefix: DumpBucket's own test (test/infra/constructs). Here: that the one
    // notification goes to this stack's dump queue.
    it('sends the bucket notification to the dump queue, and only there', () => {
      const queueId = logicalIdOf(dev.ingest, 'AWS::SQS::Queue', 'DumpQueue');
      dev.ingest.hasResourceProperties('Custom::S3BucketNotifications', {
        NotificationConfiguration: {
          QueueConfigurations: [Match.objectLike({ QueueArn: { 'Fn::GetAtt': [queueId, 'Arn'] } })],
        },
      });
    });

    it('admits S3 to the queue and to the queue key only for this bucket in this account', () => {
      const bucketId = logicalIdOf(dev.ingest, 'AWS::S3::Bucket', 'DumpBucket');
      const confusedDeputyGuard = {
        ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId, 'Arn'] } },
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      };
      const s3KeyStatements = keyStatements(dev.ingest, 'QueueKey').filter(
        (statement) =>
          JSON.stringify(statement.Principal) === JSON.stringify({ Service: 's3.amazonaws.com' }),
      );
      expect(s3KeyStatements).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Condition: confusedDeputyGuard,
        }),
      ]);
      dev.ingest.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalIdOf(dev.ingest, 'AWS::SQS::Queue', 'DumpQueue') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 's3.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Condition: confusedDeputyGuard,
            }),
          ]),
        },
      });
    });
  });

  describe('queues', () => {
    const queuePairs = [
      ['DumpQueue', 'Parser'],
      ['FanoutQueue', 'Worker'],
    ] as const;

    it.each(queuePairs)(
      '%s is encrypted with the queue key, TLS-only and redrives to its DLQ after 5 receives',
      (queue) => {
        const queueKeyId = logicalIdOf(dev.ingest, 'AWS::KMS::Key', 'QueueKey');
        const dlqId = logicalIdOf(dev.ingest, 'AWS::SQS::Queue', `${queue}DeadLetterQueue`);
        const source = resourceNamed(dev.ingest, 'AWS::SQS::Queue', queue);
        expect(source.properties).toMatchObject({
          KmsMasterKeyId: { 'Fn::GetAtt': [queueKeyId, 'Arn'] },
          MessageRetentionPeriod: 4 * 24 * 3600,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
        });
        expect(
          resourceNamed(dev.ingest, 'AWS::SQS::Queue', `${queue}DeadLetterQueue`).properties,
        ).toMatchObject({
          KmsMasterKeyId: { 'Fn::GetAtt': [queueKeyId, 'Arn'] },
          MessageRetentionPeriod: 14 * 24 * 3600,
        });
        for (const id of [source.id, dlqId]) {
          dev.ingest.hasResourceProperties('AWS::SQS::QueuePolicy', {
            Queues: [{ Ref: id }],
            PolicyDocument: {
              Statement: Match.arrayWith([
                Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
              ]),
            },
          });
        }
      },
    );

    it.each(queuePairs)(
      '%s has a visibility timeout of at least six times its consumer’s timeout (read from the template)',
      (queue, consumer) => {
        for (const synthesized of [dev, production, custom]) {
          const mapping = mappingFor(synthesized.ingest, consumer);
          const queueProps = resourceOfArn(synthesized.ingest, mapping['EventSourceArn']);
          const timeout = functionProps(synthesized.ingest, consumer)['Timeout'] as number;
          expect(queueProps['VisibilityTimeout']).toBeGreaterThanOrEqual(6 * timeout);
          expect(
            resourceNamed(synthesized.ingest, 'AWS::SQS::Queue', queue).properties['VisibilityTimeout'],
          ).toBe(queueProps['VisibilityTimeout']);
        }
      },
    );

    it('follows dumpflow:maxReceiveCount', () => {
      custom.ingest.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
      });
    });

    it('has an encrypted KPI on-failure queue that keeps records 14 days', () => {
      expect(resourceNamed(dev.ingest, 'AWS::SQS::Queue', 'KpiFailureQueue').properties).toMatchObject({
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(dev.ingest, 'AWS::KMS::Key', 'QueueKey'), 'Arn'] },
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    });
  });

  describe('event source mappings', () => {
    it('feeds the parser one dump at a time with partial batch responses and bounded concurrency', () => {
      expect(mappingFor(dev.ingest, 'Parser')).toMatchObject({
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 5 },
      });
      expect(mappingFor(production.ingest, 'Parser')).toMatchObject({
        ScalingConfig: { MaximumConcurrency: 45 },
      });
    });

    it('feeds the worker batches of chunks with partial batch responses and bounded concurrency', () => {
      expect(mappingFor(dev.ingest, 'Worker')).toMatchObject({
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 20 },
      });
      expect(mappingFor(production.ingest, 'Worker')).toMatchObject({
        ScalingConfig: { MaximumConcurrency: 15 },
      });
    });

    it('feeds the KPI function day-summary changes from the table stream, filtered by the shared pattern', () => {
      const mapping = mappingFor(dev.ingest, 'Kpi');
      const filters = (mapping['FilterCriteria'] as { Filters: Array<{ Pattern: string }> }).Filters;
      expect(filters).toHaveLength(1);
      expect(JSON.parse((filters[0] as { Pattern: string }).Pattern)).toEqual(KPI_STREAM_FILTER_PATTERN);
      expect(JSON.stringify(mapping['EventSourceArn'])).toContain('StreamArn');
    });

    it('retries the KPI stream boundedly: bisect, 1 h record age, 5 retries, then the on-failure queue', () => {
      const failureQueueId = logicalIdOf(dev.ingest, 'AWS::SQS::Queue', 'KpiFailureQueue');
      expect(mappingFor(dev.ingest, 'Kpi')).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 1,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRecordAgeInSeconds: 3600,
        MaximumRetryAttempts: 5,
        ParallelizationFactor: 1,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [failureQueueId, 'Arn'] } } },
      });
      expect(mappingFor(production.ingest, 'Kpi')).toMatchObject({ ParallelizationFactor: 2 });
    });

    it('follows the KPI context keys', () => {
      expect(mappingFor(custom.ingest, 'Kpi')).toMatchObject({
        BatchSize: 250,
        ParallelizationFactor: 4,
        MaximumRecordAgeInSeconds: 7200,
        MaximumRetryAttempts: 2,
      });
    });
  });

  describe('functions', () => {
    const sizes = [
      ['Parser', 3008, 120],
      ['Worker', 1024, 60],
      ['Kpi', 512, 30],
    ] as const;

    it.each(sizes)(
      '%s runs Node.js 24 on arm64 with active tracing, %i MB and %i s',
      (name, memory, timeout) => {
        expect(functionProps(dev.ingest, name)).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          MemorySize: memory,
          Timeout: timeout,
          Handler: 'index.handler',
        });
      },
    );

    it.each(sizes)('%s logs JSON to its own KMS-encrypted log group with the profile’s retention', (name) => {
      const logGroupId = logicalIdOf(dev.ingest, 'AWS::Logs::LogGroup', `${name}LogGroup`);
      expect(functionProps(dev.ingest, name)['LoggingConfig']).toEqual({
        LogFormat: 'JSON',
        LogGroup: { Ref: logGroupId },
      });
      expect(resourceNamed(dev.ingest, 'AWS::Logs::LogGroup', `${name}LogGroup`).properties).toMatchObject({
        RetentionInDays: 30,
        KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(dev.ingest, 'AWS::KMS::Key', 'LogKey'), 'Arn'] },
      });
      expect(
        resourceNamed(production.ingest, 'AWS::Logs::LogGroup', `${name}LogGroup`).properties[
          'RetentionInDays'
        ],
      ).toBe(365);
    });

    it('lets CloudWatch Logs use the log key only for this account’s log groups', () => {
      const logsStatement = keyStatements(dev.ingest, 'LogKey').find(
        (statement) => statement.Sid === 'AllowCloudWatchLogsForThisAccountsLogGroups',
      );
      expect(logsStatement).toBeDefined();
      expect(JSON.stringify(logsStatement?.Principal)).toContain('.amazonaws.com');
      expect(JSON.stringify(logsStatement?.Principal)).toContain('logs.');
      expect(JSON.stringify(logsStatement?.Condition)).toContain('kms:EncryptionContext:aws:logs:arn');
    });

    it('sets the environment each handler reads through lambdas/shared/config.ts', () => {
      const tableName = {
        'Fn::ImportValue': Match.stringLikeRegexp('DumpflowData:ExportsOutputRefDumpTable'),
      };
      const common = {
        TABLE_NAME: tableName,
        SALT_BUCKETS: '10',
        POWERTOOLS_SERVICE_NAME: 'dumpflow',
        POWERTOOLS_METRICS_NAMESPACE: 'dumpflow',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      };
      const fanoutId = logicalIdOf(dev.ingest, 'AWS::SQS::Queue', 'FanoutQueue');
      dev.ingest.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('parser'),
        Environment: {
          Variables: { ...common, FANOUT_QUEUE_URL: { Ref: fanoutId }, REJECTED_PREFIX: 'rejected/' },
        },
      });
      dev.ingest.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('dumpflow worker:'),
        // The device-day lease outlives the worker's 60 s time limit by a minute.
        Environment: { Variables: { ...common, DAY_LEASE_MS: '120000' } },
      });
      dev.ingest.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('dumpflow KPI:'),
        Environment: { Variables: common },
      });
    });

    it('passes dumpflow:saltBuckets and dumpflow:logLevel through', () => {
      expect(functionProps(custom.ingest, 'Worker')).toMatchObject({
        MemorySize: 2048,
        Environment: {
          Variables: expect.objectContaining({ SALT_BUCKETS: '32', POWERTOOLS_LOG_LEVEL: 'DEBUG' }),
        },
      });
    });

    it('keeps the device-day lease longer than a worker with a longer time limit', () => {
      expect(functionProps(custom.ingest, 'Worker')).toMatchObject({
        Timeout: 90,
        Environment: { Variables: expect.objectContaining({ DAY_LEASE_MS: '150000' }) },
      });
    });

    it('reserves no concurrency in dev and reserves it in production', () => {
      for (const name of ['Parser', 'Worker', 'Kpi']) {
        expect(functionProps(dev.ingest, name)).not.toHaveProperty('ReservedConcurrentExecutions');
      }
      expect(functionProps(production.ingest, 'Parser')['ReservedConcurrentExecutions']).toBe(45);
      expect(functionProps(production.ingest, 'Worker')['ReservedConcurrentExecutions']).toBe(15);
      expect(functionProps(production.ingest, 'Kpi')['ReservedConcurrentExecutions']).toBe(10);
    });
  });

  describe('least privilege', () => {
    it('gives function roles no AWS-managed and no inline policies, only their own managed policy', () => {
      for (const name of ['Parser', 'Worker', 'Kpi']) {
        const role = resourceNamed(dev.ingest, 'AWS::IAM::Role', `${name}Role`).properties;
        expect(role).not.toHaveProperty('ManagedPolicyArns');
        expect(role).not.toHaveProperty('Policies');
        const policy = resourceNamed(dev.ingest, 'AWS::IAM::ManagedPolicy', `${name}RolePolicy`).properties;
        expect(policy['Roles']).toEqual([{ Ref: logicalIdOf(dev.ingest, 'AWS::IAM::Role', `${name}Role`) }]);
      }
    });

    // The whole permission set of each role, as synthesized: any grant added later fails here.
    const CONSUMES = [
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ];
    const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

    it('gives the parser exactly: read incoming/, copy to rejected/, stage under staging/, its table items, send to the fan-out queue, consume the dump queue', () => {
      expect(grantsOf(dev.ingest, 'ParserRole')).toEqual({
        '*': XRAY,
        'DumpBucket.Arn/incoming/*': ['s3:GetObject', 's3:GetObjectVersion'],
        'DumpBucket.Arn/rejected/*': ['s3:PutObject', 's3:PutObjectTagging'],
        'DumpBucket.Arn/staging/*': ['s3:PutObject'],
        'DumpBucketKey.Arn': ['kms:Decrypt', 'kms:GenerateDataKey'],
        'DumpQueue.Arn': CONSUMES,
        'DumpTable.Arn': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        'FanoutQueue.Arn': ['sqs:SendMessage'],
        'ParserLogGroup.Arn': LOGS,
        'QueueKey.Arn': ['kms:Decrypt', 'kms:GenerateDataKey'],
        'TableKey.Arn': ['kms:Decrypt'],
      });
    });

    it('gives the worker exactly: its table items (no BatchWriteItem, no Scan), read staging/, consume the fan-out queue and send to it (a dense day handed on)', () => {
      expect(grantsOf(dev.ingest, 'WorkerRole')).toEqual({
        '*': XRAY,
        'DumpBucket.Arn/staging/*': ['s3:GetObject'],
        'DumpBucketKey.Arn': ['kms:Decrypt'],
        'DumpTable.Arn': [
          'dynamodb:ConditionCheckItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        'FanoutQueue.Arn': [...CONSUMES, 'sqs:SendMessage'].sort(),
        'QueueKey.Arn': ['kms:Decrypt', 'kms:GenerateDataKey'],
        'TableKey.Arn': ['kms:Decrypt'],
        'WorkerLogGroup.Arn': LOGS,
      });
    });

    it('gives the KPI function exactly: Query/PutItem/GetItem, read the stream (ListStreams on "*"), send to its on-failure queue', () => {
      expect(grantsOf(dev.ingest, 'KpiRole')).toEqual({
        '*': ['dynamodb:ListStreams', ...XRAY],
        'DumpTable.Arn': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        'DumpTable.StreamArn': [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
        ],
        'KpiFailureQueue.Arn': ['sqs:SendMessage'],
        'KpiLogGroup.Arn': LOGS,
        'QueueKey.Arn': ['kms:Decrypt', 'kms:GenerateDataKey'],
        'TableKey.Arn': ['kms:Decrypt'],
      });
    });

    it('gives the watchdog exactly: query the watch index, read and update ledgers, recompute KPIs, send to the dump queue', () => {
      expect(grantsOf(dev.ingest, 'WatchdogRole')).toEqual({
        '*': XRAY,
        'DumpTable.Arn': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        'DumpTable.Arn/index/watch': ['dynamodb:Query'],
        'DumpQueue.Arn': ['sqs:SendMessage'],
        'QueueKey.Arn': ['kms:Decrypt', 'kms:GenerateDataKey'],
        'TableKey.Arn': ['kms:Decrypt'],
        'WatchdogLogGroup.Arn': LOGS,
      });
    });

    it('keeps the same permission sets in production (concrete region, replicas, alarm email)', () => {
      for (const name of ['ParserRole', 'WorkerRole', 'KpiRole']) {
        expect(grantsOf(production.ingest, name)).toEqual(grantsOf(dev.ingest, name));
      }
    });

    it.each(['ParserRole', 'WorkerRole', 'KpiRole'])(
      '%s has no wildcard action, no Scan or BatchWriteItem and no bucket-wide S3 access',
      (name) => {
        const actions = allowedActions(dev.ingest, name);
        expect(actions.filter((action) => action.includes('*'))).toEqual([]);
        expect(actions).not.toEqual(expect.arrayContaining(['dynamodb:Scan']));
        expect(actions).not.toContain('dynamodb:BatchWriteItem');
        expect(actions).not.toContain('dynamodb:BatchGetItem');
        expect(actions).not.toContain('s3:ListBucket');
        const s3Resources = Object.entries(grantsOf(dev.ingest, name))
          .filter(([, granted]) => granted.some((action) => action.startsWith('s3:')))
          .map(([resource]) => resource);
        for (const resource of s3Resources)
          expect(resource).toMatch(/^DumpBucket\.Arn\/(incoming|rejected|staging)\/\*$/);
      },
    );

    it('lets no role but the KPI function touch the stream, and no role delete but the worker', () => {
      expect(allowedActions(dev.ingest, 'KpiRole')).not.toEqual(
        expect.arrayContaining(['dynamodb:Scan', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']),
      );
      for (const name of ['ParserRole', 'KpiRole']) {
        expect(allowedActions(dev.ingest, name)).not.toContain('dynamodb:DeleteItem');
      }
      for (const name of ['ParserRole', 'WorkerRole']) {
        const streamActions = allowedActions(dev.ingest, name).filter((action) =>
          /^dynamodb:(DescribeStream|GetRecords|GetShardIterator|ListStreams)$/.test(action),
        );
        expect(streamActions).toEqual([]);
      }
    });

    it('grants resource "*" only for X-Ray (and ListStreams to the KPI function): neither has resource-level permissions', () => {
      for (const name of ['Parser', 'Worker', 'Kpi']) {
        const wildcard = policyStatements(dev.ingest, name).filter((statement) => statement.Resource === '*');
        expect(wildcard.flatMap(actionsOf).sort()).toEqual(
          name === 'Kpi' ? ['dynamodb:ListStreams', ...XRAY] : XRAY,
        );
      }
    });

    it('lets each function write only to its own log group', () => {
      for (const name of ['Parser', 'Worker', 'Kpi']) {
        const logStatements = policyStatements(dev.ingest, name).filter((statement) =>
          actionsOf(statement).some((action) => action.startsWith('logs:')),
        );
        expect(logStatements).toEqual([
          expect.objectContaining({
            Resource: {
              'Fn::GetAtt': [logicalIdOf(dev.ingest, 'AWS::Logs::LogGroup', `${name}LogGroup`), 'Arn'],
            },
          }),
        ]);
      }
    });
  });

  describe('watchdog', () => {
    it('runs on a schedule of dumpflow:watchdogIntervalMinutes, retrying a failed delivery twice', () => {
      dev.ingest.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: {
              'Fn::GetAtt': [logicalIdOf(dev.ingest, 'AWS::Lambda::Function', 'WatchdogFunction'), 'Arn'],
            },
            RetryPolicy: { MaximumRetryAttempts: 2 },
          }),
        ],
      });
      const faster = synthesize({ 'dumpflow:watchdogIntervalMinutes': '2' });
      faster.ingest.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(2 minutes)' });
    });

    it('shares one set of deadlines with the parser and the worker, and knows the dump queue', () => {
      const deadlines = { DUMP_DEADLINE_MS: '600000', KPI_GRACE_MS: '180000', MAX_REDRIVES: '3' };
      const environment = (name: string) =>
        (
          resourceNamed(dev.ingest, 'AWS::Lambda::Function', name).properties['Environment'] as {
            Variables: Record<string, unknown>;
          }
        ).Variables;
      for (const name of ['ParserFunction', 'WorkerFunction', 'WatchdogFunction']) {
        expect(environment(name)).toMatchObject(deadlines);
      }
      expect(environment('WatchdogFunction')['DUMP_QUEUE_URL']).toEqual({
        Ref: logicalIdOf(dev.ingest, 'AWS::SQS::Queue', 'DumpQueue'),
      });
      const slower = synthesize({ 'dumpflow:dumpDeadlineMinutes': '30', 'dumpflow:maxRedrives': '5' });
      slower.ingest.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ DUMP_DEADLINE_MS: '1800000', MAX_REDRIVES: '5' }) },
      });
    });

    it('reserves one concurrent run in production', () => {
      production.ingest.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^dumpflow watchdog'),
        ReservedConcurrentExecutions: 1,
      });
    });
  });

  describe('stack outputs', () => {
    const expected: Array<[string, (t: Template) => unknown]> = [
      ['Region', () => ({ Ref: 'AWS::Region' })],
      ['BucketName', (t) => ({ Ref: logicalIdOf(t, 'AWS::S3::Bucket', 'DumpBucket') })],
      ['UploadPrefix', () => 'incoming/'],
      ['RejectedPrefix', () => 'rejected/'],
      ['AccessLogsBucketName', (t) => ({ Ref: logicalIdOf(t, 'AWS::S3::Bucket', 'DumpBucketAccessLogs') })],
      [
        'TableName',
        () => ({ 'Fn::ImportValue': Match.stringLikeRegexp('^DumpflowData:ExportsOutputRefDumpTable') }),
      ],
      ['TableStreamArn', () => ({ 'Fn::ImportValue': Match.stringLikeRegexp('DumpTable.*StreamArn') })],
      ['TableKeyArn', () => ({ 'Fn::ImportValue': Match.stringLikeRegexp('TableKey.*Arn') })],
      ['DumpQueueUrl', (t) => ({ Ref: logicalIdOf(t, 'AWS::SQS::Queue', 'DumpQueue') })],
      [
        'DumpDeadLetterQueueUrl',
        (t) => ({ Ref: logicalIdOf(t, 'AWS::SQS::Queue', 'DumpQueueDeadLetterQueue') }),
      ],
      ['FanoutQueueUrl', (t) => ({ Ref: logicalIdOf(t, 'AWS::SQS::Queue', 'FanoutQueue') })],
      [
        'FanoutDeadLetterQueueUrl',
        (t) => ({ Ref: logicalIdOf(t, 'AWS::SQS::Queue', 'FanoutQueueDeadLetterQueue') }),
      ],
      ['KpiFailureQueueUrl', (t) => ({ Ref: logicalIdOf(t, 'AWS::SQS::Queue', 'KpiFailureQueue') })],
      ['ParserFunctionName', (t) => ({ Ref: logicalIdOf(t, 'AWS::Lambda::Function', 'ParserFunction') })],
      ['WorkerFunctionName', (t) => ({ Ref: logicalIdOf(t, 'AWS::Lambda::Function', 'WorkerFunction') })],
      ['KpiFunctionName', (t) => ({ Ref: logicalIdOf(t, 'AWS::Lambda::Function', 'KpiFunction') })],
      ['WatchdogFunctionName', (t) => ({ Ref: logicalIdOf(t, 'AWS::Lambda::Function', 'WatchdogFunction') })],
      ['ParserLogGroupName', (t) => ({ Ref: logicalIdOf(t, 'AWS::Logs::LogGroup', 'ParserLogGroup') })],
      ['WorkerLogGroupName', (t) => ({ Ref: logicalIdOf(t, 'AWS::Logs::LogGroup', 'WorkerLogGroup') })],
      ['KpiLogGroupName', (t) => ({ Ref: logicalIdOf(t, 'AWS::Logs::LogGroup', 'KpiLogGroup') })],
      ['WatchdogLogGroupName', (t) => ({ Ref: logicalIdOf(t, 'AWS::Logs::LogGroup', 'WatchdogLogGroup') })],
    ];

    it.each(expected)('names %s, with a description, from the resource itself', (name, value) => {
      dev.ingest.hasOutput(name, {
        Value: value(dev.ingest),
        Description: Match.stringLikeRegexp('\\w.{10,}'),
      });
    });

    it('has exactly these outputs besides CDK’s cross-stack exports, and exports none of them', () => {
      const outputs = Object.entries(
        dev.ingest.toJSON()['Outputs'] as Record<string, { Export?: unknown }>,
      ).filter(([name]) => !name.startsWith('ExportsOutput'));
      expect(outputs.map(([name]) => name).sort()).toEqual(expected.map(([name]) => name).sort());
      for (const [, output] of outputs) expect(output.Export).toBeUndefined();
    });

    it('follow dumpflow:incomingPrefix, dumpflow:rejectedPrefix and dumpflow:stagingPrefix', () => {
      const prefixed = synthesize({
        'dumpflow:incomingPrefix': 'uploads/',
        'dumpflow:rejectedPrefix': 'bad/',
        'dumpflow:stagingPrefix': 'dense/',
      });
      prefixed.ingest.hasOutput('UploadPrefix', { Value: 'uploads/' });
      prefixed.ingest.hasOutput('RejectedPrefix', { Value: 'bad/' });
      expect(functionProps(prefixed.ingest, 'Parser')).toMatchObject({
        Environment: { Variables: { STAGING_PREFIX: 'dense/' } },
      });
      expect(grantsOf(prefixed.ingest, 'WorkerRole')['DumpBucket.Arn/dense/*']).toEqual(['s3:GetObject']);
      prefixed.ingest.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            { Id: 'expire-staged-days', Prefix: 'dense/', ExpirationInDays: 2, Status: 'Enabled' },
          ]),
        },
      });
    });
  });

  describe('uploads bound to their device (dumpflow:uploadKeyLayout)', () => {
    it('tells the parser the layout and the incoming prefix: device-prefix by default', () => {
      const { ingest } = synthesize({ 'dumpflow:incomingPrefix': 'uploads/' });
      expect(functionProps(ingest, 'Parser')).toMatchObject({
        Environment: { Variables: { UPLOAD_KEY_LAYOUT: 'device-prefix', INCOMING_PREFIX: 'uploads/' } },
      });
      ingest.hasOutput('UploadPrefix', {
        Value: 'uploads/',
        Description: Match.stringLikeRegexp('deviceId'),
      });
    });

    it('is configurable off', () => {
      const { ingest } = synthesize({ 'dumpflow:uploadKeyLayout': 'any' });
      expect(functionProps(ingest, 'Parser')).toMatchObject({
        Environment: { Variables: { UPLOAD_KEY_LAYOUT: 'any' } },
      });
    });
  });

  describe('restore path (dumpflow:existingTableName)', () => {
    let restored: Synthesized;
    const tableArn = RESTORED_TABLE.streamArn.slice(0, RESTORED_TABLE.streamArn.indexOf('/stream/'));
    beforeAll(() => {
      restored = synthesize({ 'dumpflow:profile': 'production', ...RESTORED_TABLE_CONTEXT });
    });

    it('has no Data stack and imports nothing from one', () => {
      expect(() => restored.data).toThrow(/no Data stack/);
      expect(JSON.stringify(restored.ingest.toJSON())).not.toContain('Fn::ImportValue');
    });

    it('points every function at the existing table', () => {
      for (const name of ['Parser', 'Worker', 'Kpi']) {
        expect(functionProps(restored.ingest, name)).toMatchObject({
          Environment: { Variables: expect.objectContaining({ TABLE_NAME: RESTORED_TABLE.name }) },
        });
      }
    });

    it('names the existing table, its stream and its key in the outputs', () => {
      restored.ingest.hasOutput('TableName', { Value: RESTORED_TABLE.name });
      restored.ingest.hasOutput('TableStreamArn', { Value: RESTORED_TABLE.streamArn });
      restored.ingest.hasOutput('TableKeyArn', { Value: RESTORED_TABLE.keyArn });
    });

    it('triggers the KPI function from the existing table’s stream', () => {
      expect(mappingFor(restored.ingest, 'Kpi')).toMatchObject({
        EventSourceArn: RESTORED_TABLE.streamArn,
        StartingPosition: 'TRIM_HORIZON',
      });
    });

    it('grants the same actions on the existing table, its stream and its key', () => {
      expect(grantsOf(restored.ingest, 'KpiRole')).toMatchObject({
        [tableArn]: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        [RESTORED_TABLE.streamArn]: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
        ],
        [RESTORED_TABLE.keyArn]: ['kms:Decrypt'],
      });
      expect(grantsOf(restored.ingest, 'WorkerRole')[tableArn]).toEqual(
        grantsOf(dev.ingest, 'WorkerRole')['DumpTable.Arn'],
      );
      expect(grantsOf(restored.ingest, 'ParserRole')[tableArn]).toEqual(
        grantsOf(dev.ingest, 'ParserRole')['DumpTable.Arn'],
      );
    });
  });
});
