import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

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
  const { partitionKey, sortKey, billingMode, streamViewType } = TABLE_DEFINITION;
  return {
    TableName: tableName,
    KeySchema: [
      { AttributeName: partitionKey.name, KeyType: 'HASH' },
      { AttributeName: sortKey.name, KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: partitionKey.name, AttributeType: partitionKey.type },
      { AttributeName: sortKey.name, AttributeType: sortKey.type },
    ],
    BillingMode: billingMode,
    ...((options.stream ?? true)
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType } }
      : {}),
  };
}
