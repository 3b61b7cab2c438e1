import { paginateScan, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemBytes } from '../local/aws-billing';

/**
 * Billed storage of a table, as DynamoDB bills it: every item's size (attribute names plus
 * values) plus 100 bytes of per-item overhead, summed per class of item. Read with a Scan after
 * a run (the bench's own table), so it counts what the store keeps, not what was sent.
 */

/** DynamoDB's per-item storage overhead (indexing), billed with every item. */
export const ITEM_OVERHEAD_BYTES = 100;

export interface StorageClass {
  readonly items: number;
  /** Item sizes (names + values). */
  readonly bytes: number;
  /** bytes + 100 per item. */
  readonly billedBytes: number;
}

export interface BilledStorage {
  readonly byClass: Readonly<Record<string, StorageClass>>;
  readonly total: StorageClass;
  /** Events held by the event pages (their `n`), or by one-item-per-event items. */
  readonly events: number;
}

/**
 * The class of an item from its keys: `page`, `summary` (DAY#), `kpi`, `lease`, `ledger`
 * (LEDGER), `plan`, `chunk-outcome`, `patient-device`, `meta`, or `event-item` for the source
 * design's one-item-per-event layout (its pk starts with the salt digit).
 */
export function itemClass(item: Record<string, AttributeValue>): string {
  const pk = item['pk']?.S ?? '';
  const sk = item['sk']?.S ?? '';
  if (pk.startsWith('E#')) return 'page';
  if (pk.startsWith('S#')) return sk.startsWith('DAY#') ? 'summary' : 'kpi';
  if (pk.startsWith('D#')) return 'lease';
  if (pk.startsWith('I#')) return 'patient-device';
  if (pk.startsWith('L#')) return sk === 'LEDGER' ? 'ledger' : sk === 'PLAN' ? 'plan' : 'chunk-outcome';
  if (pk === 'META') return 'meta';
  if (/^\d+#/.test(pk)) return 'event-item';
  return 'other';
}

export function addItem(
  into: Record<string, StorageClass>,
  item: Record<string, AttributeValue>,
  classify: (item: Record<string, AttributeValue>) => string = itemClass,
): number {
  const name = classify(item);
  const bytes = itemBytes(item);
  const previous = into[name] ?? { items: 0, bytes: 0, billedBytes: 0 };
  into[name] = {
    items: previous.items + 1,
    bytes: previous.bytes + bytes,
    billedBytes: previous.billedBytes + bytes + ITEM_OVERHEAD_BYTES,
  };
  const base = itemClass(item);
  if (base === 'page') return Number(item['n']?.N ?? 0);
  return base === 'event-item' ? 1 : 0;
}

export function sumClasses(
  byClass: Readonly<Record<string, StorageClass>>,
  names?: readonly string[],
): StorageClass {
  let items = 0;
  let bytes = 0;
  let billedBytes = 0;
  for (const [name, c] of Object.entries(byClass)) {
    if (names !== undefined && !names.includes(name)) continue;
    items += c.items;
    bytes += c.bytes;
    billedBytes += c.billedBytes;
  }
  return { items, bytes, billedBytes };
}

/**
 * Scans the whole table (the SDK's paginator) and sums billed storage per class of item
 * (`classify`, itemClass by default).
 */
export async function scanBilledStorage(
  client: DynamoDBClient,
  tableName: string,
  classify?: (item: Record<string, AttributeValue>) => string,
): Promise<BilledStorage> {
  const byClass: Record<string, StorageClass> = {};
  let events = 0;
  for await (const page of paginateScan({ client, pageSize: 1000 }, { TableName: tableName })) {
    for (const item of page.Items ?? []) events += addItem(byClass, item, classify);
  }
  return { byClass, total: sumClasses(byClass), events };
}

/**
 * Billed bytes per stored event: the items the store keeps for stored days (pages and day
 * summaries), and everything in the table (ledger, plans, chunk outcomes, KPIs, patient devices
 * too), each divided by the stored events.
 */
export function billedBytesPerEvent(
  storage: BilledStorage,
): { perDayItems: number; allItems: number } | null {
  if (storage.events === 0) return null;
  const dayItems = sumClasses(storage.byClass, ['page', 'summary', 'event-item']);
  return {
    perDayItems: dayItems.billedBytes / storage.events,
    allItems: storage.total.billedBytes / storage.events,
  };
}
