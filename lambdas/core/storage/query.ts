import {
  paginateQuery,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { CapacityMeter } from './capacity';

export type StoredItem = Record<string, AttributeValue>;

/**
 * Every item a Query matches, page after page (the SDK's paginator), each page's consumed
 * capacity recorded on `meter` when one is given.
 */
export async function* queryItems(
  client: DynamoDBClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'ReturnConsumedCapacity'>,
  meter?: CapacityMeter,
): AsyncGenerator<StoredItem> {
  const pages = paginateQuery(
    { client },
    { ...input, ...(meter ? { ReturnConsumedCapacity: 'TOTAL' as const } : {}) },
  );
  for await (const page of pages) {
    meter?.record('read', page.ConsumedCapacity);
    yield* page.Items ?? [];
  }
}

/** queryItems collected into an array. */
export async function queryAll(
  client: DynamoDBClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'ReturnConsumedCapacity'>,
  meter?: CapacityMeter,
): Promise<StoredItem[]> {
  const items: StoredItem[] = [];
  for await (const item of queryItems(client, input, meter)) items.push(item);
  return items;
}
