import {
  CreateTableCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { stampTableLayout } from './layout';

/**
 * The one table's shape. Tests, the local runtime and the CDK stack all build the table from
 * this constant, so a key or TTL change cannot reach one of them and miss another.
 * Item layout: docs/data-model.md.
 */
export const TABLE_DEFINITION = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  /** Epoch seconds; DynamoDB deletes expired items in the background. */
  timeToLiveAttribute: 'ttl',
  billingMode: 'PAY_PER_REQUEST',
  /** Only the new image: the KPI function needs the key and never the old value. */
  streamViewType: 'NEW_IMAGE',
  /**
   * The watch index: sparse, only ledger items that carry `watch` are in it (dumps not final yet,
   * and dumps whose KPIs are still to be confirmed), sorted by `due`, so the watchdog reads only
   * those (lambdas/core/ledger/watch.ts).
   */
  watchIndex: {
    indexName: 'watch',
    partitionKey: { name: 'watch', type: 'S' },
    sortKey: { name: 'due', type: 'N' },
    nonKeyAttributes: ['status', 'redrives'],
  },
} as const;

export interface CreateTableInputOptions {
  /** Turn on the stream (the KPI trigger). @default true */
  readonly stream?: boolean;
}

/** CreateTable input for TABLE_DEFINITION (TTL is a separate UpdateTimeToLive call). */
export function createTableInput(
  tableName: string,
  options: CreateTableInputOptions = {},
): CreateTableCommandInput {
  const { partitionKey, sortKey, billingMode, streamViewType, watchIndex } = TABLE_DEFINITION;
  return {
    TableName: tableName,
    KeySchema: [
      { AttributeName: partitionKey.name, KeyType: 'HASH' },
      { AttributeName: sortKey.name, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: partitionKey.name, AttributeType: partitionKey.type },
      { AttributeName: sortKey.name, AttributeType: sortKey.type },
      { AttributeName: watchIndex.partitionKey.name, AttributeType: watchIndex.partitionKey.type },
      { AttributeName: watchIndex.sortKey.name, AttributeType: watchIndex.sortKey.type },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: watchIndex.indexName,
        KeySchema: [
          { AttributeName: watchIndex.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: watchIndex.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...watchIndex.nonKeyAttributes] },
      },
    ],
    BillingMode: billingMode,
    ...((options.stream ?? true)
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType } }
      : {}),
  };
}

/**
 * Creates the table, waits until it is active and stamps its storage layout (layout.ts): how the
 * local runtime, tests and benchmarks get a table (on AWS the Data stack creates and stamps it).
 */
export async function createTable(
  client: DynamoDBClient,
  tableName: string,
  options: CreateTableInputOptions = {},
): Promise<void> {
  await client.send(new CreateTableCommand(createTableInput(tableName, options)));
  await waitUntilTableExists(
    { client, maxWaitTime: 60, minDelay: 0.1, maxDelay: 1 },
    { TableName: tableName },
  );
  await stampTableLayout(client, tableName);
}
