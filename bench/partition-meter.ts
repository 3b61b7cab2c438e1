import type {
  AttributeValue,
  ConsumedCapacity,
  DynamoDBClient,
  TransactWriteItem,
  WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { awsUnits, itemBytes, writeUnitsOf } from '../local/aws-billing';

/**
 * Write units per partition key, as AWS bills them, second by second: what a partition key's
 * 1,000 WCU/s limit is measured against. DynamoDB reports consumed capacity per request and per
 * table, never per key, so this reads each successful write request's keys and item sizes:
 * - a transactional write: 2 units per started KB of a Put's item; an Update, Delete or
 *   ConditionCheck 2 units (items of at most 1 KB, the rule of local/aws-billing.ts);
 * - a PutItem, UpdateItem or DeleteItem: what the response reports (it names one item);
 * - a BatchWriteItem: 1 unit per started KB of each put item, 1 per delete, minus the items the
 *   response hands back unprocessed (they were not written).
 * Summed over keys this equals local/aws-billing.ts's write units for the same requests.
 */

export interface KeyWrite {
  readonly pk: string;
  readonly units: number;
  /** The item's size, for a put (0 otherwise). */
  readonly bytes: number;
  /** Events an event page put holds (its `n`), and the length of its page bytes (`d`). */
  readonly events?: number;
  readonly dataBytes?: number;
}

/** The writes one request made, per item; empty for reads and anything else. */
export function requestWrites(commandName: string, input: unknown, output: unknown): KeyWrite[] {
  const pkOf = (key: Record<string, AttributeValue> | undefined) => key?.['pk']?.S ?? '';
  switch (commandName) {
    case 'TransactWriteItemsCommand': {
      const items = (input as { TransactItems?: TransactWriteItem[] }).TransactItems ?? [];
      return items.map((item) => {
        if (item.Put) {
          const bytes = itemBytes(item.Put.Item ?? {});
          const events = item.Put.Item?.['n']?.N;
          const data = item.Put.Item?.['d']?.B;
          return {
            pk: pkOf(item.Put.Item),
            units: 2 * writeUnitsOf(bytes),
            bytes,
            ...(events !== undefined && { events: Number(events) }),
            ...(data !== undefined && { dataBytes: data.length }),
          };
        }
        const key = item.Update?.Key ?? item.Delete?.Key ?? item.ConditionCheck?.Key;
        return { pk: pkOf(key), units: 2, bytes: 0 };
      });
    }
    case 'PutItemCommand':
    case 'UpdateItemCommand':
    case 'DeleteItemCommand': {
      const request = input as {
        Item?: Record<string, AttributeValue>;
        Key?: Record<string, AttributeValue>;
      };
      const consumed = (output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity;
      const bytes = request.Item ? itemBytes(request.Item) : 0;
      const reported = consumed?.WriteCapacityUnits ?? consumed?.CapacityUnits;
      return [{ pk: pkOf(request.Item ?? request.Key), units: reported ?? writeUnitsOf(bytes), bytes }];
    }
    case 'BatchWriteItemCommand': {
      const requests = (input as { RequestItems?: Record<string, WriteRequest[]> }).RequestItems ?? {};
      const unprocessed =
        (output as { UnprocessedItems?: Record<string, WriteRequest[]> }).UnprocessedItems ?? {};
      const writes: KeyWrite[] = [];
      for (const [table, list] of Object.entries(requests)) {
        const left = new Set((unprocessed[table] ?? []).map(requestKey));
        for (const request of list) {
          if (left.has(requestKey(request))) continue;
          const item = request.PutRequest?.Item;
          const bytes = item ? itemBytes(item) : 0;
          writes.push({
            pk: pkOf(item ?? request.DeleteRequest?.Key),
            units: item ? writeUnitsOf(bytes) : 1,
            bytes,
          });
        }
      }
      return writes;
    }
    default:
      return [];
  }
}

/**
 * The read one request made, as AWS bills it (local/aws-billing.ts), with the partition key it
 * read: GetItem's Key, or a Query's `:pk` (every Query in dumpflow and in the benches names its
 * partition key so). Null for anything else.
 */
export function requestRead(commandName: string, input: unknown, output: unknown): KeyWrite | null {
  if (commandName !== 'GetItemCommand' && commandName !== 'QueryCommand') return null;
  const request = input as {
    Key?: Record<string, AttributeValue>;
    ExpressionAttributeValues?: Record<string, AttributeValue>;
  };
  const pk = request.Key?.['pk']?.S ?? request.ExpressionAttributeValues?.[':pk']?.S ?? '';
  const consumed = (output as { ConsumedCapacity?: ConsumedCapacity }).ConsumedCapacity;
  return { pk, units: awsUnits(commandName, input, consumed).readUnits, bytes: 0 };
}

/** The class of a partition key: its prefix up to the first '#' (E, S, D, L, I; a digit for the source design's event items). */
export function keyClass(pk: string): string {
  return pk.split('#', 1)[0] ?? '';
}

function requestKey(request: WriteRequest): string {
  const key = request.PutRequest?.Item ?? request.DeleteRequest?.Key ?? {};
  return `${key['pk']?.S ?? ''}\u0000${key['sk']?.S ?? ''}`;
}

export interface BusiestKey {
  readonly pk: string;
  readonly totalUnits: number;
  /** The most units this key took in one wall-clock second. */
  readonly peakUnitsPerSecond: number;
}

/** Event page items put: how many, their item bytes, their page bytes (`d`) and the events in them. */
export interface PagesWritten {
  readonly items: number;
  readonly bytes: number;
  readonly dataBytes: number;
  readonly events: number;
}

export interface PartitionReport {
  readonly keys: number;
  readonly totalUnits: number;
  /** The key with the most units over the run. */
  readonly busiestByTotal: BusiestKey | null;
  /** The key with the most units in any one second (often the same key). */
  readonly busiestBySecond: BusiestKey | null;
  /** Write units per key class (keyClass: E pages, S summaries, D leases, L ledger, I devices). */
  readonly unitsByClass: Readonly<Record<string, number>>;
  /** Read units (as AWS bills them) per key class. */
  readonly readUnitsByClass: Readonly<Record<string, number>>;
  /** Bytes of the page items put (E class) and the events they hold: what pages weigh as written. */
  readonly pagesWritten: PagesWritten;
  /** Items put and their sizes per key class (a put that overwrites counts again). */
  readonly putsByClass: Readonly<Record<string, { readonly items: number; readonly bytes: number }>>;
}

/** Sums write units per partition key and per second; attach with tapPartitionWrites. */
export class PartitionMeter {
  private readonly perKey = new Map<string, { total: number; seconds: Map<number, number> }>();
  private readonly byClass: Record<string, number> = {};
  private readonly readsByClass: Record<string, number> = {};
  private readonly puts: Record<string, { items: number; bytes: number }> = {};
  private pageItems = 0;
  private pageBytes = 0;
  private pageEvents = 0;
  private pageDataBytes = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  record(writes: readonly KeyWrite[]): void {
    const second = Math.floor(this.clock() / 1000);
    for (const write of writes) {
      let entry = this.perKey.get(write.pk);
      if (entry === undefined) this.perKey.set(write.pk, (entry = { total: 0, seconds: new Map() }));
      entry.total += write.units;
      entry.seconds.set(second, (entry.seconds.get(second) ?? 0) + write.units);
      const cls = keyClass(write.pk);
      this.byClass[cls] = (this.byClass[cls] ?? 0) + write.units;
      if (write.bytes > 0) {
        const put = (this.puts[cls] ??= { items: 0, bytes: 0 });
        put.items++;
        put.bytes += write.bytes;
      }
      if (cls === 'E' && write.bytes > 0) {
        this.pageItems++;
        this.pageBytes += write.bytes;
        this.pageEvents += write.events ?? 0;
        this.pageDataBytes += write.dataBytes ?? 0;
      }
    }
  }

  recordRead(read: KeyWrite): void {
    const cls = keyClass(read.pk);
    this.readsByClass[cls] = (this.readsByClass[cls] ?? 0) + read.units;
  }

  /** Forgets everything recorded so far (the next pass starts from zero). */
  reset(): void {
    this.perKey.clear();
    for (const name of Object.keys(this.byClass)) delete this.byClass[name];
    for (const name of Object.keys(this.readsByClass)) delete this.readsByClass[name];
    for (const name of Object.keys(this.puts)) delete this.puts[name];
    this.pageItems = 0;
    this.pageBytes = 0;
    this.pageEvents = 0;
    this.pageDataBytes = 0;
  }

  report(): PartitionReport {
    let byTotal: BusiestKey | null = null;
    let bySecond: BusiestKey | null = null;
    let totalUnits = 0;
    for (const [pk, entry] of this.perKey) {
      totalUnits += entry.total;
      const key = { pk, totalUnits: entry.total, peakUnitsPerSecond: Math.max(...entry.seconds.values()) };
      if (byTotal === null || key.totalUnits > byTotal.totalUnits) byTotal = key;
      if (bySecond === null || key.peakUnitsPerSecond > bySecond.peakUnitsPerSecond) bySecond = key;
    }
    return {
      keys: this.perKey.size,
      totalUnits,
      busiestByTotal: byTotal,
      busiestBySecond: bySecond,
      unitsByClass: { ...this.byClass },
      readUnitsByClass: { ...this.readsByClass },
      putsByClass: Object.fromEntries(Object.entries(this.puts).map(([k, v]) => [k, { ...v }])),
      pagesWritten: {
        items: this.pageItems,
        bytes: this.pageBytes,
        dataBytes: this.pageDataBytes,
        events: this.pageEvents,
      },
    };
  }
}

/** Meters every successful write request of `client` per partition key, and its reads per key class. */
export function tapPartitionWrites(client: DynamoDBClient, meter = new PartitionMeter()): PartitionMeter {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const name = context.commandName ?? '';
      meter.record(requestWrites(name, args.input, result.output));
      const read = requestRead(name, args.input, result.output);
      if (read !== null) meter.recordRead(read);
      return result;
    },
    { step: 'initialize', name: 'dumpflowPartitionWrites' },
  );
  return meter;
}
