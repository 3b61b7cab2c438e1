import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { TableLayoutError } from './errors';
import { readItem, toAttributes } from './items';
import { LAYOUT_KEY } from './keys';

/**
 * Which storage layout a table holds, recorded in the table itself (pk META, sk LAYOUT), so code
 * never misreads a table written in another layout. Layout 1 stored one item per event with a
 * digest beside it and wrote no marker; layout 2 stores event pages (docs/data-model.md).
 *
 * The marker is written when the table is created: by the Data stack's deployment (a custom
 * resource, on creation only) and by whoever creates a table locally (the local runtime, tests).
 * Functions and the CLI check it before their first read or write and refuse any other value, or
 * none: a table restored from a layout-1 backup, or one never stamped, is refused, not misread.
 */
export const LAYOUT_VERSION = 2;

export function layoutItem(): Record<string, AttributeValue> {
  return toAttributes({
    ...LAYOUT_KEY,
    layout: LAYOUT_VERSION,
    description: 'dumpflow storage layout 2: event pages (docs/data-model.md)',
  });
}

/** The PutItem that stamps a new table; it never overwrites another layout's marker. */
export function stampLayoutInput(tableName: string) {
  return {
    TableName: tableName,
    Item: layoutItem(),
    ConditionExpression: 'attribute_not_exists(pk)',
  };
}

/** Stamps a table just created (or checks the stamp of one that already exists). */
export async function stampTableLayout(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new PutItemCommand(stampLayoutInput(tableName)));
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  await checkTableLayout(client, tableName);
}

/** The table's recorded layout, or undefined when it has no marker. */
export async function readTableLayout(
  client: DynamoDBClient,
  tableName: string,
): Promise<number | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: toAttributes(LAYOUT_KEY),
      ConsistentRead: true,
    }),
  );
  return Item && readItem(Item, 'the storage layout marker').optionalNumber('layout');
}

/** Throws TableLayoutError unless the table records LAYOUT_VERSION. */
export async function checkTableLayout(client: DynamoDBClient, tableName: string): Promise<void> {
  const layout = await readTableLayout(client, tableName);
  if (layout === LAYOUT_VERSION) return;
  throw new TableLayoutError(
    layout === undefined
      ? `table ${tableName} has no storage layout marker (item pk=META, sk=LAYOUT): it was not created by this dumpflow (a layout-1 table, or one restored from such a backup); point dumpflow at a table its Data stack or local runtime created`
      : `table ${tableName} holds storage layout ${layout}, and this dumpflow reads and writes layout ${LAYOUT_VERSION}; use the dumpflow version that wrote it`,
  );
}

const checked = new WeakMap<DynamoDBClient, Map<string, Promise<void>>>();

/**
 * checkTableLayout once per client and table (an execution environment checks on its first
 * invocation, then never again). A failed check is not remembered, so a passing outage retries.
 */
export function ensureTableLayout(client: DynamoDBClient, tableName: string): Promise<void> {
  let tables = checked.get(client);
  if (!tables) checked.set(client, (tables = new Map()));
  let check = tables.get(tableName);
  if (!check) {
    check = checkTableLayout(client, tableName).catch((error: unknown) => {
      tables.delete(tableName);
      throw error;
    });
    tables.set(tableName, check);
  }
  return check;
}
