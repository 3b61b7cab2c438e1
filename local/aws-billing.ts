import type { AttributeValue, ConsumedCapacity, TransactWriteItem } from '@aws-sdk/client-dynamodb';

/**
 * Capacity units as DynamoDB on AWS bills a request, for the figures the local runtime and the
 * benchmarks report. DynamoDB Local reports ConsumedCapacity too, but not as AWS bills it in two
 * places that matter here (measured, see docs/benchmarks.md "Units"):
 * - a transactional write: AWS bills 2 units per started KB of each item (prepare and commit);
 *   DynamoDB Local reports 4;
 * - a strongly consistent read that returns nothing: AWS bills at least 1 unit; DynamoDB Local 0.
 * Everything else (PutItem, UpdateItem, DeleteItem, BatchWriteItem, GetItem and Query with data)
 * DynamoDB Local reports as AWS bills it, so its figure is kept.
 */

const KB = 1024;

function utf8(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** A number's stored size: about one byte per two significant digits, plus one. */
function numberBytes(text: string): number {
  const digits = text
    .replace(/^-/, '')
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** The stored size of one attribute value (DynamoDB's item size rules). */
export function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((n, s) => n + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((n, s) => n + numberBytes(s), 0);
  if (value.BS !== undefined) return value.BS.reduce((n, b) => n + b.length, 0);
  // Lists and maps: 3 bytes, plus 1 byte per element, plus the elements (and a map's names).
  if (value.L !== undefined) return 3 + value.L.reduce((n, v) => n + 1 + valueBytes(v), 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((n, [name, v]) => n + 1 + utf8(name) + valueBytes(v), 0);
  }
  return 0;
}

/** An item's size as DynamoDB counts it for capacity and storage: names plus values. */
export function itemBytes(item: Record<string, AttributeValue>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += utf8(name) + valueBytes(value);
  return bytes;
}

/** Write units of one item write: 1 per started KB, at least 1. */
export function writeUnitsOf(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / KB));
}

/**
 * A TransactWriteItems request as AWS bills it: 2 units per started KB of each item. A Put's
 * item is in the request; Update, Delete and ConditionCheck name an existing item whose size the
 * request does not carry: they are counted as items of at most 1 KB (2 units each), which holds
 * for every such item dumpflow touches (a ledger at start, a lease, a day summary).
 */
export function transactWriteUnits(items: readonly TransactWriteItem[]): number {
  let units = 0;
  for (const item of items) units += 2 * (item.Put ? writeUnitsOf(itemBytes(item.Put.Item ?? {})) : 1);
  return units;
}

export interface BilledUnits {
  readonly readUnits: number;
  readonly writeUnits: number;
}

const READ_COMMANDS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
]);

function reported(consumed: ConsumedCapacity | readonly ConsumedCapacity[] | undefined): BilledUnits {
  let readUnits = 0;
  let writeUnits = 0;
  let plain = 0;
  for (const c of consumed === undefined
    ? []
    : Array.isArray(consumed)
      ? consumed
      : [consumed as ConsumedCapacity]) {
    if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
      readUnits += c.ReadCapacityUnits ?? 0;
      writeUnits += c.WriteCapacityUnits ?? 0;
    } else plain += c.CapacityUnits ?? 0;
  }
  return { readUnits: readUnits + plain, writeUnits: writeUnits + plain };
}

/** What DynamoDB Local reported for one successful request, split into reads and writes. */
export function localUnits(
  commandName: string,
  consumed: ConsumedCapacity | readonly ConsumedCapacity[] | undefined,
): BilledUnits {
  const units = reported(consumed);
  return READ_COMMANDS.has(commandName)
    ? { readUnits: units.readUnits, writeUnits: 0 }
    : { readUnits: 0, writeUnits: units.writeUnits };
}

/** One successful request as AWS would bill it, from the request and what DynamoDB Local reported. */
export function awsUnits(
  commandName: string,
  input: unknown,
  consumed: ConsumedCapacity | readonly ConsumedCapacity[] | undefined,
): BilledUnits {
  const local = localUnits(commandName, consumed);
  if (commandName === 'TransactWriteItemsCommand') {
    return {
      readUnits: 0,
      writeUnits: transactWriteUnits((input as { TransactItems?: TransactWriteItem[] }).TransactItems ?? []),
    };
  }
  if (READ_COMMANDS.has(commandName)) {
    const consistent = (input as { ConsistentRead?: boolean }).ConsistentRead === true;
    return { readUnits: Math.max(local.readUnits, consistent ? 1 : 0.5), writeUnits: 0 };
  }
  return local;
}
