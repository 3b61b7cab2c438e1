import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ConfigError } from '../../lambdas/core/errors';
import { TABLE_DEFINITION } from '../../lambdas/core/storage/table';
import type { ContributorInsightsChoice, ExistingTable } from '../config';
import { LayoutMarker } from './layout-marker';
import { createEncryptionKey, SECURE_DEFAULTS } from './secure-defaults';

const ATTRIBUTE_TYPES = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
} as const;

/** A replica of the table in another region, encrypted with a key that lives in that region. */
export interface DumpTableReplica {
  readonly region: string;
  /** ARN of the customer-managed KMS key in `region`. */
  readonly keyArn: string;
}

export interface DumpTableProps {
  /**
   * Key for the primary table.
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Read units per second the table serves instantly (pre-warm). Raising it is charged once.
   * @default 12000 (what a new on-demand table has anyway)
   */
  readonly warmReadUnitsPerSecond?: number;
  /**
   * Write units per second the table serves instantly (pre-warm).
   * @default 4000 (what a new on-demand table has anyway)
   */
  readonly warmWriteUnitsPerSecond?: number;
  /**
   * Replicas that make the table a global table; the stack needs a concrete region then.
   * @default - no replicas
   */
  readonly replicas?: readonly DumpTableReplica[];
  /**
   * Point-in-time recovery window, applied to the table and every replica.
   * @default 35 (the maximum)
   */
  readonly recoveryPeriodInDays?: number;
  /**
   * CloudWatch Contributor Insights on the table and every replica: which partition keys (patient
   * and device ids) it reports in CloudWatch, if any. See docs/operations.md.
   * @default 'off'
   */
  readonly contributorInsights?: ContributorInsightsChoice;
  /**
   * Refuse DeleteTable on the table and every replica.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the table when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** Off is stated, not omitted, so turning it off also turns it off on an existing table. */
function contributorInsightsOf(choice: ContributorInsightsChoice): dynamodb.ContributorInsightsSpecification {
  switch (choice) {
    case 'off':
      return { enabled: false };
    case 'throttled-keys':
      return { enabled: true, mode: dynamodb.ContributorInsightsMode.THROTTLED_KEYS };
    case 'accessed-and-throttled-keys':
      return { enabled: true, mode: dynamodb.ContributorInsightsMode.ACCESSED_AND_THROTTLED_KEYS };
  }
}

/**
 * The one dumpflow table: keys, TTL and stream from TABLE_DEFINITION (shared with the handlers and
 * the local runtime), on-demand and pre-warmed, customer-managed encryption, 35-day PITR, deletion
 * protection, the chosen contributor insights mode on the table and on every replica, and the
 * storage-layout marker written when it is created.
 */
export class DumpTable extends Construct {
  /**
   * A table this app does not manage, for example one restored from point-in-time recovery: its
   * ARN (taken from the stream ARN, so account and region are the table's own), stream and key,
   * which is all the functions' grants, the stream mapping and the dashboard need.
   */
  public static fromExisting(scope: Construct, id: string, existing: ExistingTable): dynamodb.ITableV2 {
    const streamAt = existing.streamArn.indexOf('/stream/');
    return dynamodb.TableV2.fromTableAttributes(scope, id, {
      tableArn: existing.streamArn.slice(0, streamAt),
      tableStreamArn: existing.streamArn,
      encryptionKey: kms.Key.fromKeyArn(scope, `${id}Key`, existing.keyArn),
    });
  }

  public readonly table: dynamodb.TableV2;
  public readonly encryptionKey: kms.IKey;
  /** Stamps the new table's storage layout, which the functions check before using it. */
  public readonly layoutMarker: LayoutMarker;

  constructor(scope: Construct, id: string, props: DumpTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.encryptionKey =
      props.encryptionKey ??
      createEncryptionKey(this, 'Key', {
        description: 'dumpflow table (events, summaries, KPIs)',
        removalPolicy,
      });

    const replicaOptions = {
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: true,
        recoveryPeriodInDays: props.recoveryPeriodInDays ?? 35,
      },
      deletionProtection: props.deletionProtection ?? true,
      contributorInsightsSpecification: contributorInsightsOf(
        props.contributorInsights ?? SECURE_DEFAULTS.contributorInsights,
      ),
    } satisfies dynamodb.TableOptionsV2;

    const replicas = props.replicas ?? [];
    if (replicas.length > 0 && Token.isUnresolved(Stack.of(this).region)) {
      throw new ConfigError(
        'table replicas need a stack with a concrete region: pass -c dumpflow:region=<region> (see docs/deploy.md)',
      );
    }
    const { partitionKey, sortKey, timeToLiveAttribute, streamViewType, watchIndex } = TABLE_DEFINITION;
    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: partitionKey.name, type: ATTRIBUTE_TYPES[partitionKey.type] },
      sortKey: { name: sortKey.name, type: ATTRIBUTE_TYPES[sortKey.type] },
      timeToLiveAttribute,
      dynamoStream: dynamodb.StreamViewType[streamViewType],
      globalSecondaryIndexes: [
        {
          indexName: watchIndex.indexName,
          partitionKey: {
            name: watchIndex.partitionKey.name,
            type: ATTRIBUTE_TYPES[watchIndex.partitionKey.type],
          },
          sortKey: { name: watchIndex.sortKey.name, type: ATTRIBUTE_TYPES[watchIndex.sortKey.type] },
          projectionType: dynamodb.ProjectionType.INCLUDE,
          nonKeyAttributes: [...watchIndex.nonKeyAttributes],
        },
      ],
      billing: dynamodb.Billing.onDemand(),
      warmThroughput: {
        readUnitsPerSecond: props.warmReadUnitsPerSecond ?? 12_000,
        writeUnitsPerSecond: props.warmWriteUnitsPerSecond ?? 4_000,
      },
      encryption: Token.isUnresolved(Stack.of(this).region)
        ? regionAgnosticCustomerManagedKey(this.encryptionKey)
        : dynamodb.TableEncryptionV2.customerManagedKey(
            this.encryptionKey,
            Object.fromEntries(replicas.map((replica) => [replica.region, replica.keyArn])),
          ),
      ...replicaOptions,
      // Stated per replica too: PITR and deletion protection are per-replica settings in DynamoDB.
      replicas: replicas.map((replica) => ({ region: replica.region, ...replicaOptions })),
      removalPolicy,
    });
    this.layoutMarker = new LayoutMarker(this, 'LayoutMarker', { table: this.table });
  }
}

/**
 * customerManagedKey() for a stack without a concrete region. CDK refuses to render replica keys
 * there because it cannot tell the primary from a replica by region; with no replicas the primary
 * is the only replica entry, so its key is simply the table key. Everything else (the table-level
 * SSE specification, `tableKey` for grants) is the stock implementation.
 */
function regionAgnosticCustomerManagedKey(key: kms.IKey): dynamodb.TableEncryptionV2 {
  const stock = dynamodb.TableEncryptionV2.customerManagedKey(key);
  const encryption = Object.create(stock) as dynamodb.TableEncryptionV2;
  Object.defineProperty(encryption, '_renderReplicaSseSpecification', {
    value: () => ({ kmsMasterKeyId: key.keyArn }),
  });
  return encryption;
}
