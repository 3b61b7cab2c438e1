import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { ConfigError } from '../../lambdas/core/errors';
import { DumpBucket } from '../../lib/constructs/dump-bucket';
import {
  grantSendMessages,
  grantStreamRead,
  grantTableItems,
  SendOnlySqsDestination,
} from '../../lib/constructs/least-privilege';
import { grantsOf } from './iam';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const STREAM_ARN = 'arn:aws:dynamodb:eu-west-1:111122223333:table/restored/stream/2026-12-01T00:00:00.000';

/** A bare stack with one role, the way each test below starts. */
function bareStack() {
  const stack = new Stack(new App(), 'Bare', { env: { region: 'eu-west-1', account: '111122223333' } });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  return { stack, role };
}

function tableWithKey(stack: Stack): dynamodb.TableV2 {
  return new dynamodb.TableV2(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
    encryption: dynamodb.TableEncryptionV2.customerManagedKey(new kms.Key(stack, 'Key')),
  });
}

describe('grantTableItems', () => {
  it('grants the named item actions on the table and only kms:Decrypt on its key', () => {
    const { stack, role } = bareStack();
    grantTableItems(tableWithKey(stack), role, ['GetItem', 'Query', 'PutItem', 'Query']);
    expect(grantsOf(Template.fromStack(stack), 'Role')).toEqual({
      'Key.Arn': ['kms:Decrypt'],
      'Table.Arn': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
    });
  });

  it('works on an imported table (the restore path) with its key ARN', () => {
    const { stack, role } = bareStack();
    const table = dynamodb.TableV2.fromTableAttributes(stack, 'Restored', {
      tableName: 'restored',
      tableStreamArn: STREAM_ARN,
      encryptionKey: kms.Key.fromKeyArn(stack, 'RestoredKey', KEY_ARN),
    });
    grantTableItems(table, role, ['ConditionCheckItem', 'DeleteItem']);
    expect(grantsOf(Template.fromStack(stack), 'Role')).toEqual({
      [KEY_ARN]: ['kms:Decrypt'],
      'arn:${AWS::Partition}:dynamodb:eu-west-1:111122223333:table/restored': [
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
      ],
    });
  });

  it('refuses an empty action list', () => {
    const { stack, role } = bareStack();
    expect(() => grantTableItems(tableWithKey(stack), role, [])).toThrow(ConfigError);
  });
});

describe('grantStreamRead', () => {
  it('grants the stream reads on the stream, ListStreams on "*" (its only resource) and kms:Decrypt', () => {
    const { stack, role } = bareStack();
    grantStreamRead(tableWithKey(stack), role);
    expect(grantsOf(Template.fromStack(stack), 'Role')).toEqual({
      '*': ['dynamodb:ListStreams'],
      'Key.Arn': ['kms:Decrypt'],
      'Table.StreamArn': ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
    });
  });

  it('refuses a table without a stream', () => {
    const { stack, role } = bareStack();
    const table = dynamodb.TableV2.fromTableName(stack, 'NoStream', 'no-stream');
    expect(() => grantStreamRead(table, role)).toThrow(/has no stream ARN/);
  });
});

describe('grantSendMessages and SendOnlySqsDestination', () => {
  it('grant sqs:SendMessage and, on the queue key, GenerateDataKey and Decrypt only', () => {
    const { stack, role } = bareStack();
    const queue = new sqs.Queue(stack, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: new kms.Key(stack, 'QueueKey'),
    });
    grantSendMessages(queue, role);
    expect(grantsOf(Template.fromStack(stack), 'Role')).toEqual({
      'Queue.Arn': ['sqs:SendMessage'],
      'QueueKey.Arn': ['kms:Decrypt', 'kms:GenerateDataKey'],
    });
  });

  it('make the queue the on-failure destination of a stream mapping with the same grant', () => {
    const { stack, role } = bareStack();
    const queue = new sqs.Queue(stack, 'FailureQueue', { encryption: sqs.QueueEncryption.SQS_MANAGED });
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
      role,
    });
    fn.addEventSourceMapping('Stream', {
      eventSourceArn: STREAM_ARN,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      maxRecordAge: Duration.hours(1),
      onFailure: new SendOnlySqsDestination(queue),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } },
    });
    expect(grantsOf(template, 'Role')).toMatchObject({ 'FailureQueue.Arn': ['sqs:SendMessage'] });
    expect(Object.keys(grantsOf(template, 'Role'))).not.toContain('*');
  });
});

describe('DumpBucket grants', () => {
  it('let a reader get incoming/ objects and their versions, decrypting with the bucket key, and nothing else', () => {
    const { stack, role } = bareStack();
    new DumpBucket(stack, 'Dumps').grantReadIncoming(role);
    expect(grantsOf(Template.fromStack(stack), 'Role')).toEqual({
      'DumpsBucket.Arn/incoming/*': ['s3:GetObject', 's3:GetObjectVersion'],
      'DumpsKey.Arn': ['kms:Decrypt'],
    });
  });

  it('let a writer put tagged copies under rejected/ only (CopyObject with TaggingDirective REPLACE)', () => {
    const { stack, role } = bareStack();
    new DumpBucket(stack, 'Dumps', { rejectedPrefix: 'quarantine/' }).grantWriteRejected(role);
    expect(grantsOf(Template.fromStack(stack), 'Role')).toEqual({
      'DumpsBucket.Arn/quarantine/*': ['s3:PutObject', 's3:PutObjectTagging'],
      'DumpsKey.Arn': ['kms:Decrypt', 'kms:GenerateDataKey'],
    });
  });

  it('let the parser put staged days and the worker get them, under the staging prefix only', () => {
    const { stack, role } = bareStack();
    const dumps = new DumpBucket(stack, 'Dumps', { stagingPrefix: 'dense/' });
    dumps.grantWriteStaging(role);
    const reader = new iam.Role(stack, 'Reader', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    dumps.grantReadStaging(reader);
    const template = Template.fromStack(stack);
    expect(grantsOf(template, 'Role')).toEqual({
      'DumpsBucket.Arn/dense/*': ['s3:PutObject'],
      'DumpsKey.Arn': ['kms:GenerateDataKey'],
    });
    expect(grantsOf(template, 'Reader')).toEqual({
      'DumpsBucket.Arn/dense/*': ['s3:GetObject'],
      'DumpsKey.Arn': ['kms:Decrypt'],
    });
  });
});
