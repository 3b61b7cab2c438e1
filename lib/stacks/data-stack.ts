import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { DumpflowConfig } from '../config';
import { DumpTable } from '../constructs/dump-table';
import { createEncryptionKey, removalPolicyOf } from '../constructs/secure-defaults';

export interface DataStackProps extends StackProps {
  readonly config: DumpflowConfig;
}

/**
 * The state that outlives deployments: the table and the key that encrypts it. Kept apart from the
 * compute so the ingest stack can be replaced or destroyed without touching stored events.
 */
export class DataStack extends Stack {
  public readonly table: dynamodb.TableV2;
  public readonly tableKey: kms.IKey;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = removalPolicyOf(config.removalPolicy);

    this.tableKey = createEncryptionKey(this, 'TableKey', {
      description: 'dumpflow table: events, day summaries, ledger, KPIs',
      removalPolicy,
    });
    const dumpTable = new DumpTable(this, 'DumpTable', {
      encryptionKey: this.tableKey,
      warmReadUnitsPerSecond: config.warmReadUnitsPerSecond,
      warmWriteUnitsPerSecond: config.warmWriteUnitsPerSecond,
      replicas: config.replicaRegions.map((region) => ({
        region,
        // loadConfig guarantees a key for every replica region.
        keyArn: config.replicaKeyArns[region] as string,
      })),
      contributorInsights: config.contributorInsights,
      deletionProtection: config.deletionProtection,
      removalPolicy,
    });
    this.table = dumpTable.table;

    // This stack's own table; the Ingest stack's TableName output names the one the pipeline uses
    // (they differ after a point-in-time restore, docs/operations.md).
    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: 'DynamoDB table of this stack (events, day summaries, ledger, KPIs)',
    });
    new CfnOutput(this, 'TableKeyArn', {
      value: this.tableKey.keyArn,
      description: 'Customer-managed KMS key of the table (a point-in-time restore reuses it)',
    });
  }
}
