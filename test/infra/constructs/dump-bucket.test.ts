import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DumpBucket, type DumpBucketProps } from '../../../lib/constructs/dump-bucket';
import { ManagedPolicyRole } from '../../../lib/constructs/managed-policy-role';
import { grantsOf } from '../iam';
import { logicalIdOf, resourceNamed } from '../synth';

interface Built {
  readonly stack: Stack;
  readonly bucket: DumpBucket;
}

/** The construct alone in a bare stack, so the template shows only what it creates. */
function build(props: DumpBucketProps = {}): Built {
  const stack = new Stack(new App(), 'Test');
  return { stack, bucket: new DumpBucket(stack, 'Dumps', props) };
}

type Rule = Record<string, unknown>;

function rulesOf(template: Template, name: string): Rule[] {
  const configuration = resourceNamed(template, 'AWS::S3::Bucket', name).properties[
    'LifecycleConfiguration'
  ] as { Rules: Rule[] };
  return configuration.Rules;
}

describe('DumpBucket', () => {
  describe('with default props', () => {
    let template: Template;
    let logsId: string;
    let keyId: string;
    beforeAll(() => {
      template = Template.fromStack(build().stack);
      logsId = logicalIdOf(template, 'AWS::S3::Bucket', 'DumpsAccessLogs');
      keyId = logicalIdOf(template, 'AWS::KMS::Key', 'DumpsKey');
    });

    it('creates a rotating customer-managed key that is retained', () => {
      template.resourceCountIs('AWS::KMS::Key', 1);
      template.hasResource('AWS::KMS::Key', {
        Properties: { EnableKeyRotation: true, Description: 'dumpflow uploaded dumps' },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('encrypts dumps with SSE-KMS under that key and an S3 bucket key', () => {
      expect(
        resourceNamed(template, 'AWS::S3::Bucket', 'DumpsBucket').properties['BucketEncryption'],
      ).toEqual({
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
    });

    it('encrypts the access-log bucket with SSE-S3 (log delivery cannot use SSE-KMS)', () => {
      expect(
        resourceNamed(template, 'AWS::S3::Bucket', 'DumpsAccessLogs').properties['BucketEncryption'],
      ).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
    });

    it.each(['DumpsBucket', 'DumpsAccessLogs'])(
      '%s blocks public access, disables ACLs, is versioned and retained',
      (name) => {
        template.resourceCountIs('AWS::S3::Bucket', 2);
        const id = logicalIdOf(template, 'AWS::S3::Bucket', name);
        const resource = template.toJSON()['Resources'][id];
        expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
        expect(resource.Properties).toMatchObject({
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          VersioningConfiguration: { Status: 'Enabled' },
        });
        // eventBridgeEnabled: false means no EventBridge notification configuration at all.
        expect(resource.Properties.NotificationConfiguration).toBeUndefined();
      },
    );

    it.each(['DumpsBucket', 'DumpsAccessLogs'])('%s denies non-TLS and TLS below 1.2', (name) => {
      const id = logicalIdOf(template, 'AWS::S3::Bucket', name);
      const resources = [
        { 'Fn::GetAtt': [id, 'Arn'] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, '/*']] },
      ];
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Resource: resources,
            },
            {
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
              Resource: resources,
            },
          ]),
        },
      });
    });

    it('logs server access to the log bucket under dump-bucket/, delivered through its bucket policy', () => {
      expect(
        resourceNamed(template, 'AWS::S3::Bucket', 'DumpsBucket').properties['LoggingConfiguration'],
      ).toEqual({
        DestinationBucketName: { Ref: logsId },
        LogFilePrefix: 'dump-bucket/',
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logsId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: 's3:PutObject',
              Principal: { Service: 'logging.s3.amazonaws.com' },
            }),
          ]),
        },
      });
      // Not the LogDeliveryWrite ACL: ACLs stay disabled on the log bucket.
      expect(
        resourceNamed(template, 'AWS::S3::Bucket', 'DumpsAccessLogs').properties['AccessControl'],
      ).toBeUndefined();
    });

    it('expires uploads after 7 days, rejected copies after 30, staged days after 2, old versions after 7', () => {
      expect(rulesOf(template, 'DumpsBucket')).toEqual([
        { Id: 'expire-processed-uploads', Prefix: 'incoming/', ExpirationInDays: 7, Status: 'Enabled' },
        { Id: 'expire-rejected-copies', Prefix: 'rejected/', ExpirationInDays: 30, Status: 'Enabled' },
        { Id: 'expire-staged-days', Prefix: 'staging/', ExpirationInDays: 2, Status: 'Enabled' },
        {
          Id: 'expire-noncurrent-versions',
          NoncurrentVersionExpiration: { NoncurrentDays: 7 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          ExpiredObjectDeleteMarker: true,
          Status: 'Enabled',
        },
      ]);
    });

    it('expires access logs after 365 days', () => {
      expect(rulesOf(template, 'DumpsAccessLogs')).toEqual([
        {
          Id: 'expire-access-logs',
          ExpirationInDays: 365,
          NoncurrentVersionExpiration: { NoncurrentDays: 7 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          Status: 'Enabled',
        },
      ]);
    });

    it('has no auto-delete custom resource when retained', () => {
      template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    });
  });

  describe('with non-default props', () => {
    it('uses a given key instead of creating one', () => {
      const stack = new Stack(new App(), 'Test');
      const encryptionKey = new kms.Key(stack, 'GivenKey');
      const bucket = new DumpBucket(stack, 'Dumps', { encryptionKey });
      expect(bucket.encryptionKey).toBe(encryptionKey);
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::KMS::Key', 1);
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'GivenKey'), 'Arn'] },
              },
            }),
          ],
        },
      });
    });

    it('applies the prefixes and retention days to the lifecycle rules', () => {
      const { stack, bucket } = build({
        incomingPrefix: 'up/',
        rejectedPrefix: 'bad/',
        stagingPrefix: 'stage/',
        processedRetentionDays: 3,
        rejectedRetentionDays: 90,
        stagingRetentionDays: 1,
        noncurrentRetentionDays: 14,
        accessLogRetentionDays: 30,
      });
      expect([bucket.incomingPrefix, bucket.rejectedPrefix, bucket.stagingPrefix]).toEqual([
        'up/',
        'bad/',
        'stage/',
      ]);
      const template = Template.fromStack(stack);
      expect(rulesOf(template, 'DumpsBucket')).toEqual([
        expect.objectContaining({ Prefix: 'up/', ExpirationInDays: 3 }),
        expect.objectContaining({ Prefix: 'bad/', ExpirationInDays: 90 }),
        expect.objectContaining({ Prefix: 'stage/', ExpirationInDays: 1 }),
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 14 } }),
      ]);
      expect(rulesOf(template, 'DumpsAccessLogs')).toEqual([
        expect.objectContaining({
          ExpirationInDays: 30,
          NoncurrentVersionExpiration: { NoncurrentDays: 14 },
        }),
      ]);
    });

    it('with RemovalPolicy.DESTROY deletes and empties both buckets and gives the key a 7-day window', () => {
      const template = Template.fromStack(build({ removalPolicy: RemovalPolicy.DESTROY }).stack);
      for (const name of ['DumpsBucket', 'DumpsAccessLogs']) {
        expect(template.toJSON()['Resources'][logicalIdOf(template, 'AWS::S3::Bucket', name)]).toMatchObject({
          DeletionPolicy: 'Delete',
        });
      }
      template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
      template.hasResource('AWS::KMS::Key', {
        Properties: { PendingWindowInDays: 7, EnableKeyRotation: true },
        DeletionPolicy: 'Delete',
      });
    });
  });

  describe('grants', () => {
    let template: Template;
    beforeAll(() => {
      const { stack, bucket } = build();
      const role = (id: string) =>
        new ManagedPolicyRole(stack, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      bucket.grantReadIncoming(role('ReadIncoming'));
      bucket.grantWriteRejected(role('WriteRejected'));
      bucket.grantWriteStaging(role('WriteStaging'));
      bucket.grantReadStaging(role('ReadStaging'));
      template = Template.fromStack(stack);
    });

    it('grantReadIncoming: GetObject and GetObjectVersion under incoming/, Decrypt on the key', () => {
      expect(grantsOf(template, 'ReadIncoming')).toEqual({
        'DumpsBucket.Arn/incoming/*': ['s3:GetObject', 's3:GetObjectVersion'],
        'DumpsKey.Arn': ['kms:Decrypt'],
      });
    });

    it('grantWriteRejected: PutObject and PutObjectTagging under rejected/, GenerateDataKey and Decrypt', () => {
      expect(grantsOf(template, 'WriteRejected')).toEqual({
        'DumpsBucket.Arn/rejected/*': ['s3:PutObject', 's3:PutObjectTagging'],
        'DumpsKey.Arn': ['kms:Decrypt', 'kms:GenerateDataKey'],
      });
    });

    it('grantWriteStaging: PutObject under staging/, GenerateDataKey on the key', () => {
      expect(grantsOf(template, 'WriteStaging')).toEqual({
        'DumpsBucket.Arn/staging/*': ['s3:PutObject'],
        'DumpsKey.Arn': ['kms:GenerateDataKey'],
      });
    });

    it('grantReadStaging: GetObject under staging/, Decrypt on the key', () => {
      expect(grantsOf(template, 'ReadStaging')).toEqual({
        'DumpsBucket.Arn/staging/*': ['s3:GetObject'],
        'DumpsKey.Arn': ['kms:Decrypt'],
      });
    });
  });

  describe('notifyOnIncoming', () => {
    let template: Template;
    let queueId: string;
    beforeAll(() => {
      const { stack, bucket } = build();
      const queue = new sqs.Queue(stack, 'Incoming', {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: new kms.Key(stack, 'QueueKey'),
      });
      bucket.notifyOnIncoming(queue);
      template = Template.fromStack(stack);
      queueId = logicalIdOf(template, 'AWS::SQS::Queue', 'Incoming');
    });

    it('sends ObjectCreated under incoming/ to the queue', () => {
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } },
              QueueArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
            },
          ],
        },
      });
    });

    it('admits S3 to the queue and its key only for this bucket in this account', () => {
      const conditions = {
        ArnEquals: {
          'aws:SourceArn': { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::S3::Bucket', 'DumpsBucket'), 'Arn'] },
        },
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      };
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 's3.amazonaws.com' },
              Condition: conditions,
            }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowS3NotificationsFromDumpBucket',
              Effect: 'Allow',
              Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
              Principal: { Service: 's3.amazonaws.com' },
              Resource: '*',
              Condition: conditions,
            },
          ]),
        },
      });
    });
  });
});
