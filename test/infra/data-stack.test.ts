import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ConfigError } from '../../lambdas/core/errors';
import { LAYOUT_VERSION } from '../../lambdas/core/storage/layout';
import { TABLE_DEFINITION } from '../../lambdas/core/storage/table';
import { DumpTable } from '../../lib/constructs/dump-table';
import {
  KEY_EU_CENTRAL_1,
  KEY_US_EAST_1,
  PRODUCTION_GLOBAL_CONTEXT,
  RESTORED_TABLE,
  resourceNamed,
  synthesize,
  type Synthesized,
} from './synth';

interface Replica {
  Region: unknown;
  PointInTimeRecoverySpecification: unknown;
  DeletionProtectionEnabled: unknown;
  ContributorInsightsSpecification: unknown;
  SSESpecification: { KMSMasterKeyId: unknown };
}

function globalTable(s: Synthesized): { id: string; properties: Record<string, unknown> } {
  return resourceNamed(s.data, 'AWS::DynamoDB::GlobalTable', 'DumpTable');
}

describe('DataStack', () => {
  let dev: Synthesized;
  let production: Synthesized;
  let throwaway: Synthesized;

  beforeAll(() => {
    dev = synthesize();
    production = synthesize(PRODUCTION_GLOBAL_CONTEXT);
    // Doubles as the "context keys win" fixture: non-default warm throughput too.
    throwaway = synthesize({
      'dumpflow:removalPolicy': 'destroy',
      'dumpflow:warmReadUnitsPerSecond': '30000',
      'dumpflow:warmWriteUnitsPerSecond': '10000',
    });
  });

  describe('table shape (shared with handlers and the local runtime via TABLE_DEFINITION)', () => {
    it('has pk/sk string keys, on-demand billing, TTL on ttl and a NEW_IMAGE stream', () => {
      dev.data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: TABLE_DEFINITION.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: TABLE_DEFINITION.sortKey.name, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ]),
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      });
      expect(TABLE_DEFINITION.billingMode).toBe('PAY_PER_REQUEST');
      expect(TABLE_DEFINITION.streamViewType).toBe('NEW_IMAGE');
    });

    it('lets CloudFormation name the table (no hard-coded physical name)', () => {
      expect(globalTable(dev).properties).not.toHaveProperty('TableName');
    });

    it('is encrypted with the customer-managed table key, which rotates and is retained', () => {
      const key = resourceNamed(dev.data, 'AWS::KMS::Key', 'TableKey');
      expect(key.properties).toMatchObject({ EnableKeyRotation: true });
      dev.data.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      dev.data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
        Replicas: [
          Match.objectLike({ SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] } } }),
        ],
      });
    });

    it('is retained when removed from the stack', () => {
      dev.data.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });
  });

  describe('outputs', () => {
    it('name the table and its key, with descriptions, from the resources themselves', () => {
      dev.data.hasOutput('TableName', {
        Value: { Ref: globalTable(dev).id },
        Description: Match.stringLikeRegexp('table'),
      });
      dev.data.hasOutput('TableKeyArn', {
        Value: { 'Fn::GetAtt': [resourceNamed(dev.data, 'AWS::KMS::Key', 'TableKey').id, 'Arn'] },
        Description: Match.stringLikeRegexp('KMS key'),
      });
    });
  });

  describe('warm throughput per profile', () => {
    it('dev states AWS’s on-demand starting values (12,000 reads, 4,000 writes per second)', () => {
      dev.data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        WarmThroughput: { ReadUnitsPerSecond: 12_000, WriteUnitsPerSecond: 4_000 },
      });
    });

    it("production keeps the same values: the plan's peak for the target load needs no pre-warm", () => {
      production.data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        WarmThroughput: { ReadUnitsPerSecond: 12_000, WriteUnitsPerSecond: 4_000 },
      });
    });

    it('follows the context keys', () => {
      throwaway.data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        WarmThroughput: { ReadUnitsPerSecond: 30_000, WriteUnitsPerSecond: 10_000 },
      });
    });
  });

  describe('environment-agnostic dev table (one replica entry: the table itself)', () => {
    it('places its only replica in the deployment region with PITR 35 days, deletion protection and throttled-key insights', () => {
      const replicas = globalTable(dev).properties['Replicas'] as Replica[];
      expect(replicas).toHaveLength(1);
      expect(replicas[0]).toMatchObject({
        Region: { Ref: 'AWS::Region' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
        DeletionProtectionEnabled: true,
        ContributorInsightsSpecification: { Enabled: true, Mode: 'THROTTLED_KEYS' },
      });
    });

    it('turns deletion protection off and deletes table and key only with removalPolicy=destroy', () => {
      throwaway.data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })],
      });
      throwaway.data.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
      throwaway.data.hasResource('AWS::KMS::Key', {
        DeletionPolicy: 'Delete',
        Properties: Match.objectLike({ PendingWindowInDays: 7 }),
      });
    });
  });

  describe('global table (production with replicas)', () => {
    let replicas: Replica[];
    beforeAll(() => {
      replicas = globalTable(production).properties['Replicas'] as Replica[];
    });

    it('has the primary and every configured replica region', () => {
      expect(replicas.map((replica) => replica.Region).sort()).toEqual([
        'eu-central-1',
        'eu-west-1',
        'us-east-1',
      ]);
    });

    it('gives every replica PITR with the 35-day recovery period (cdk-nag does not check TableV2 PITR)', () => {
      for (const replica of replicas) {
        expect(replica.PointInTimeRecoverySpecification).toEqual({
          PointInTimeRecoveryEnabled: true,
          RecoveryPeriodInDays: 35,
        });
      }
    });

    it('gives every replica deletion protection and keeps patient ids out of Contributor Insights', () => {
      for (const replica of replicas) {
        expect(replica.DeletionProtectionEnabled).toBe(true);
        expect(replica.ContributorInsightsSpecification).toEqual({ Enabled: false });
      }
    });

    it('turns Contributor Insights on every replica in the mode dumpflow:contributorInsights names', () => {
      const accessed = synthesize({
        ...PRODUCTION_GLOBAL_CONTEXT,
        'dumpflow:contributorInsights': 'accessed-and-throttled-keys',
      });
      const all = globalTable(accessed).properties['Replicas'] as Replica[];
      expect(all).toHaveLength(3);
      for (const replica of all) {
        expect(replica.ContributorInsightsSpecification).toEqual({
          Enabled: true,
          Mode: 'ACCESSED_AND_THROTTLED_KEYS',
        });
      }
    });

    it('encrypts each replica with the key of its own region', () => {
      const keyOf = Object.fromEntries(
        replicas.map((replica) => [replica.Region, replica.SSESpecification.KMSMasterKeyId]),
      );
      expect(keyOf['eu-central-1']).toBe(KEY_EU_CENTRAL_1);
      expect(keyOf['us-east-1']).toBe(KEY_US_EAST_1);
      const primaryKey = resourceNamed(production.data, 'AWS::KMS::Key', 'TableKey').id;
      expect(keyOf['eu-west-1']).toEqual({ 'Fn::GetAtt': [primaryKey, 'Arn'] });
    });
  });
});

describe('DumpTable', () => {
  it('refuses replicas in a stack without a concrete region', () => {
    const stack = new Stack(new App(), 'RegionAgnostic');
    expect(
      () =>
        new DumpTable(stack, 'Table', { replicas: [{ region: 'eu-central-1', keyArn: KEY_EU_CENTRAL_1 }] }),
    ).toThrow(ConfigError);
  });

  it('imports an existing table (restore path) from its stream ARN and key ARN', () => {
    const stack = new Stack(new App(), 'Consumer');
    const table = DumpTable.fromExisting(stack, 'Restored', {
      tableName: RESTORED_TABLE.name,
      streamArn: RESTORED_TABLE.streamArn,
      keyArn: RESTORED_TABLE.keyArn,
      region: 'eu-west-1',
    });
    expect(stack.resolve(table.tableName)).toBe(RESTORED_TABLE.name);
    expect(stack.resolve(table.tableArn)).toBe(
      `arn:aws:dynamodb:eu-west-1:111122223333:table/${RESTORED_TABLE.name}`,
    );
    expect(table.tableStreamArn).toBe(RESTORED_TABLE.streamArn);
    expect(table.encryptionKey?.keyArn).toBe(RESTORED_TABLE.keyArn);
    // Nothing is created: the table, its stream and its key are referenced, not managed.
    expect(stack.node.findAll().filter((construct) => construct instanceof CfnResource)).toEqual([]);
  });

  it('leaves Contributor Insights off unless asked (it would show patient ids in CloudWatch)', () => {
    const stack = new Stack(new App(), 'Insights', { env: { region: 'eu-west-1' } });
    new DumpTable(stack, 'Off');
    new DumpTable(stack, 'Throttled', { contributorInsights: 'throttled-keys' });
    const replicasOf = (name: string) =>
      resourceNamed(Template.fromStack(stack), 'AWS::DynamoDB::GlobalTable', `${name}Table`).properties[
        'Replicas'
      ] as Replica[];
    expect(replicasOf('Off')[0]?.ContributorInsightsSpecification).toEqual({ Enabled: false });
    expect(replicasOf('Throttled')[0]?.ContributorInsightsSpecification).toEqual({
      Enabled: true,
      Mode: 'THROTTLED_KEYS',
    });
  });

  it('creates its own rotating key and secure defaults when given no props', () => {
    const stack = new Stack(new App(), 'Defaults', { env: { region: 'eu-west-1' } });
    new DumpTable(stack, 'Table');
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      WarmThroughput: { ReadUnitsPerSecond: 12_000, WriteUnitsPerSecond: 4_000 },
      Replicas: [
        Match.objectLike({
          Region: 'eu-west-1',
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
          SSESpecification: { KMSMasterKeyId: Match.anyValue() },
        }),
      ],
    });
  });

  it('has the sparse watch index from TABLE_DEFINITION, keys and status only', () => {
    const stack = new Stack(new App(), 'Watch', { env: { region: 'eu-west-1' } });
    new DumpTable(stack, 'Table');
    Template.fromStack(stack).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: [
        {
          IndexName: 'watch',
          KeySchema: [
            { AttributeName: 'watch', KeyType: 'HASH' },
            { AttributeName: 'due', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status', 'redrives'] },
        },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'watch', AttributeType: 'S' },
        { AttributeName: 'due', AttributeType: 'N' },
      ]),
    });
  });

  it('stamps the new table with its storage layout, once, without overwriting a marker', () => {
    const stack = new Stack(new App(), 'Layout', { env: { region: 'eu-west-1' } });
    new DumpTable(stack, 'Table');
    const template = Template.fromStack(stack);
    const stamp = template.findResources('Custom::AWS');
    expect(Object.keys(stamp)).toHaveLength(1);
    const [resource] = Object.values(stamp) as {
      Properties: { Create: unknown; Update?: unknown; Delete?: unknown };
    }[];
    // Creation only: updates and deletions of the stack leave the table's items alone.
    expect(resource!.Properties.Update).toBeUndefined();
    expect(resource!.Properties.Delete).toBeUndefined();
    const create = JSON.stringify(resource!.Properties.Create);
    expect(create).toContain('\\"action\\":\\"putItem\\"');
    expect(create).toContain(`\\"layout\\":{\\"N\\":\\"${LAYOUT_VERSION}\\"}`);
    expect(create).toContain('attribute_not_exists(pk)');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'dynamodb:PutItem', Effect: 'Allow' }),
          Match.objectLike({ Action: 'kms:Decrypt', Effect: 'Allow' }),
        ]),
      },
    });
  });
});
