import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ConfigError } from '../../../lambdas/core/errors';
import { TABLE_DEFINITION } from '../../../lambdas/core/storage/table';
import { DumpTable, type DumpTableProps } from '../../../lib/constructs/dump-table';
import { KEY_EU_CENTRAL_1 } from '../fixtures';
import { logicalIdOf, resourceNamed } from '../synth';

/** The construct alone in a bare stack, so the template shows only what it creates. */
function synth(props: DumpTableProps = {}, stack = new Stack(new App(), 'Test')): Template {
  new DumpTable(stack, 'Dumps', props);
  return Template.fromStack(stack);
}

function tableOf(template: Template): Record<string, unknown> {
  return resourceNamed(template, 'AWS::DynamoDB::GlobalTable', 'DumpsTable').properties;
}

function onlyReplicaOf(template: Template): Record<string, unknown> {
  const replicas = tableOf(template)['Replicas'] as Record<string, unknown>[];
  expect(replicas).toHaveLength(1);
  return replicas[0] as Record<string, unknown>;
}

describe('DumpTable', () => {
  describe('with default props', () => {
    let template: Template;
    let keyId: string;
    beforeAll(() => {
      template = synth();
      keyId = logicalIdOf(template, 'AWS::KMS::Key', 'DumpsKey');
    });

    it('has the keys, TTL attribute, stream and watch index of TABLE_DEFINITION, on demand', () => {
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: TABLE_DEFINITION.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: TABLE_DEFINITION.sortKey.name, KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: TABLE_DEFINITION.timeToLiveAttribute, Enabled: true },
        StreamSpecification: { StreamViewType: TABLE_DEFINITION.streamViewType },
        GlobalSecondaryIndexes: [
          {
            IndexName: TABLE_DEFINITION.watchIndex.indexName,
            KeySchema: [
              { AttributeName: TABLE_DEFINITION.watchIndex.partitionKey.name, KeyType: 'HASH' },
              { AttributeName: TABLE_DEFINITION.watchIndex.sortKey.name, KeyType: 'RANGE' },
            ],
            Projection: {
              ProjectionType: 'INCLUDE',
              NonKeyAttributes: [...TABLE_DEFINITION.watchIndex.nonKeyAttributes],
            },
          },
        ],
      });
    });

    it('is pre-warmed to the on-demand starting values', () => {
      expect(tableOf(template)['WarmThroughput']).toEqual({
        ReadUnitsPerSecond: 12_000,
        WriteUnitsPerSecond: 4_000,
      });
    });

    it('is encrypted with a new rotating, retained customer-managed key', () => {
      template.resourceCountIs('AWS::KMS::Key', 1);
      template.hasResource('AWS::KMS::Key', {
        Properties: { EnableKeyRotation: true, Description: 'dumpflow table (events, summaries, KPIs)' },
        DeletionPolicy: 'Retain',
      });
      expect(tableOf(template)['SSESpecification']).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      expect(onlyReplicaOf(template)['SSESpecification']).toEqual({
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    });

    it('has 35-day PITR, deletion protection and contributor insights stated off on its replica', () => {
      expect(onlyReplicaOf(template)).toMatchObject({
        Region: { Ref: 'AWS::Region' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
        DeletionProtectionEnabled: true,
        ContributorInsightsSpecification: { Enabled: false },
      });
    });

    it('is retained when it leaves the stack', () => {
      template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('stamps the layout marker with a conditional put on create only', () => {
      template.resourceCountIs('Custom::AWS', 1);
      const stamp = resourceNamed(template, 'Custom::AWS', 'DumpsLayoutMarkerStamp').properties;
      expect(stamp['Create']).toEqual({
        'Fn::Join': [
          '',
          [
            expect.stringContaining('"action":"putItem"'),
            { Ref: logicalIdOf(template, 'AWS::DynamoDB::GlobalTable', 'DumpsTable') },
            expect.stringMatching(
              /"ConditionExpression":"attribute_not_exists\(pk\)".*"ignoreErrorCodesMatching":"ConditionalCheckFailedException"/,
            ),
          ],
        ],
      });
      // Creation only: an update or deletion of the stack leaves the table's items alone.
      expect(stamp['Update']).toBeUndefined();
      expect(stamp['Delete']).toBeUndefined();
    });
  });

  describe('with non-default props', () => {
    it('uses a given key instead of creating one', () => {
      const stack = new Stack(new App(), 'Test');
      new kms.Key(stack, 'GivenKey');
      const table = new DumpTable(stack, 'Dumps', {
        encryptionKey: stack.node.findChild('GivenKey') as kms.Key,
      });
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::KMS::Key', 1);
      expect(table.encryptionKey).toBe(stack.node.findChild('GivenKey'));
      expect(onlyReplicaOf(template)['SSESpecification']).toEqual({
        KMSMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'GivenKey'), 'Arn'] },
      });
    });

    it('follows warm throughput, recovery period, deletion protection and contributor insights', () => {
      const template = synth({
        warmReadUnitsPerSecond: 30_000,
        warmWriteUnitsPerSecond: 10_000,
        recoveryPeriodInDays: 7,
        deletionProtection: false,
        contributorInsights: 'accessed-and-throttled-keys',
      });
      expect(tableOf(template)['WarmThroughput']).toEqual({
        ReadUnitsPerSecond: 30_000,
        WriteUnitsPerSecond: 10_000,
      });
      expect(onlyReplicaOf(template)).toMatchObject({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 7 },
        DeletionProtectionEnabled: false,
        ContributorInsightsSpecification: { Enabled: true, Mode: 'ACCESSED_AND_THROTTLED_KEYS' },
      });
    });

    it("contributorInsights 'throttled-keys' reports throttled keys only", () => {
      expect(onlyReplicaOf(synth({ contributorInsights: 'throttled-keys' }))).toMatchObject({
        ContributorInsightsSpecification: { Enabled: true, Mode: 'THROTTLED_KEYS' },
      });
    });

    it('with RemovalPolicy.DESTROY deletes table and key (7-day key window)', () => {
      const template = synth({ removalPolicy: RemovalPolicy.DESTROY });
      template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
      template.hasResource('AWS::KMS::Key', {
        DeletionPolicy: 'Delete',
        Properties: Match.objectLike({ PendingWindowInDays: 7 }),
      });
    });

    it('states PITR, deletion protection and the replica key on every replica', () => {
      const stack = new Stack(new App(), 'Test', { env: { account: '111122223333', region: 'eu-west-1' } });
      const template = synth({ replicas: [{ region: 'eu-central-1', keyArn: KEY_EU_CENTRAL_1 }] }, stack);
      const replicas = tableOf(template)['Replicas'] as Record<string, unknown>[];
      expect(replicas).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Region: 'eu-central-1',
            SSESpecification: { KMSMasterKeyId: KEY_EU_CENTRAL_1 },
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
            DeletionProtectionEnabled: true,
            ContributorInsightsSpecification: { Enabled: false },
          }),
          expect.objectContaining({ Region: 'eu-west-1', DeletionProtectionEnabled: true }),
        ]),
      );
      expect(replicas).toHaveLength(2);
    });

    it('refuses replicas in a stack without a concrete region', () => {
      expect(() => synth({ replicas: [{ region: 'eu-central-1', keyArn: KEY_EU_CENTRAL_1 }] })).toThrow(
        ConfigError,
      );
    });
  });
});
