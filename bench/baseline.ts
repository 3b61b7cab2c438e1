/**
 * The source design's dedupe, kept here only to measure the product against it (never imported
 * by lambdas/ or lib/). Faithful to the source: every event item gets a random salt 0-9 in its
 * partition key, so to find duplicates it must, for every day in the dump and every day of the last
 * 45, Query all 10 salted partitions with strongly consistent reads, dedupe in memory, then
 * BatchWriteItem the new events 25 at a time. Items are the product's event items (same
 * attributes, same sizes) so the write units compare like for like.
 */
import { paginateQuery, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DecodedDump } from '../lambdas/core/dump/types';
import { batchWriteAll, type Item } from './batch-writer';
import { CapacityMeter, type CapacityTotals } from '../lambdas/core/storage/capacity';
import { eventPk, eventSk, valueAttribute } from './event-items';
import { dayTtl } from '../lambdas/core/storage/keys';
import { isExpiredDay } from '../lambdas/core/storage/prepare';

const MS_PER_DAY = 86_400_000;
const MS_PER_DAY_BIG = 86_400_000n;

export interface BaselineDeps {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** Processing time for the expiry rule (ms). */
  readonly now: number;
  /** The 45-day window ends on this instant's day: when the source processed the upload. @default now */
  readonly windowEnd?: number;
  /** @default 10 */
  readonly saltBuckets?: number;
  /** @default 45 */
  readonly windowDays?: number;
  /** Queries in flight at once. @default 16 */
  readonly readConcurrency?: number;
  /** BatchWriteItem calls in flight at once (as batchWriteAll). @default 8 */
  readonly writeConcurrency?: number;
  /** Salt picker, [0, 1). @default Math.random (the source's random salt) */
  readonly random?: () => number;
}

export interface BaselineResult {
  /** Valid, non-expired records of the dump. */
  readonly candidates: number;
  readonly expired: number;
  readonly stored: number;
  readonly duplicates: number;
  /** Days queried (dump days and the window, once each). */
  readonly daysRead: number;
  /** Items read back from the table. */
  readonly itemsRead: number;
  /** Queries that found nothing (DynamoDB Local reports 0 units for them). */
  readonly emptyQueries: number;
  readonly capacity: CapacityTotals;
  /** Wall time of the dedupe reads, and of the writes after them. */
  readonly readMs: number;
  readonly writeMs: number;
}

/** Identity within one device (the spec's identity minus patient and device, fixed per dump). */
export function identityOf(dayNumber: number, msOfDay: number, seq: number, type: number): string {
  return `${dayNumber}|${eventSk(msOfDay, seq, type)}`;
}

/**
 * Every day the source reads: each non-expired day of the dump and each of the `windowDays` days
 * ending on `windowEnd`'s day, once each, ascending.
 */
export function baselineReadDays(
  dumpDays: readonly number[],
  now: number,
  windowEnd: number,
  windowDays: number,
): number[] {
  const today = Math.floor(windowEnd / MS_PER_DAY);
  const days = new Set<number>();
  for (const day of dumpDays) if (!isExpiredDay(day, now)) days.add(day);
  for (let d = today - windowDays + 1; d <= today; d++) days.add(d);
  return [...days].sort((a, b) => a - b);
}

export interface NewEventSelection {
  /** Indices into the dump's EventColumns of the events to store (first copy in file order). */
  readonly indices: number[];
  readonly candidates: number;
  readonly expired: number;
  /** Copies already stored or repeated earlier in the dump. */
  readonly duplicates: number;
}

/** The source's in-memory dedupe: drop expired events, stored identities and repeats in the dump. */
export function selectNewEvents(
  dump: DecodedDump,
  stored: ReadonlySet<string>,
  now: number,
): NewEventSelection {
  const { events } = dump;
  const seen = new Set<string>();
  const indices: number[] = [];
  let expired = 0;
  let duplicates = 0;
  for (const group of dump.days) {
    if (isExpiredDay(group.dayNumber, now)) {
      expired += group.indices.length;
      continue;
    }
    for (const k of group.indices) {
      const id = identityOf(group.dayNumber, events.msOfDay[k]!, events.seq[k]!, events.type[k]!);
      if (stored.has(id) || seen.has(id)) {
        duplicates++;
        continue;
      }
      seen.add(id);
      indices.push(k);
    }
  }
  return { indices, candidates: indices.length + duplicates, expired, duplicates };
}

async function readPartition(
  deps: BaselineDeps,
  pk: string,
  dayNumber: number,
  meter: CapacityMeter,
  into: Set<string>,
): Promise<number> {
  let items = 0;
  let pages = 0;
  const query = paginateQuery(
    { client: deps.dynamodb },
    {
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    },
  );
  for await (const page of query) {
    meter.record('read', page.ConsumedCapacity);
    pages++;
    for (const item of page.Items ?? []) {
      const sk = item['sk']?.S;
      if (sk !== undefined) into.add(`${dayNumber}|${sk}`);
      items++;
    }
  }
  return pages === 1 && items === 0 ? -1 : items;
}

/** The source design's event items for the given events of a dump, each under a random salt. */
export function baselineItems(
  dump: DecodedDump,
  indices: readonly number[],
  random: () => number,
  salts: number,
): Item[] {
  const { events } = dump;
  const { patientId, deviceId } = dump.header;
  return indices.map((k) => {
    const dayNumber = events.dayNumber[k]!;
    const msOfDay = events.msOfDay[k]!;
    return {
      pk: { S: eventPk(Math.floor(random() * salts), dayNumber, patientId, deviceId) },
      sk: { S: eventSk(msOfDay, events.seq[k]!, events.type[k]!) },
      ts: { N: (BigInt(dayNumber) * MS_PER_DAY_BIG + BigInt(msOfDay)).toString() },
      seq: { N: String(events.seq[k]!) },
      type: { N: String(events.type[k]!) },
      flags: { N: String(events.flags[k]!) },
      value: valueAttribute(events.value[k]!),
      duration: { N: String(events.duration[k]!) },
      ttl: { N: String(dayTtl(dayNumber)) },
    };
  });
}

/**
 * Writes a dump's events into an empty stretch of the source design's table without its dedupe
 * reads: how the benches load a stored history they do not measure (nothing is stored for
 * those days yet, so every first copy is new and the reads would find nothing).
 */
export async function loadBaseline(deps: BaselineDeps, dump: DecodedDump): Promise<number> {
  const selection = selectNewEvents(dump, new Set(), deps.now);
  const items = baselineItems(dump, selection.indices, deps.random ?? Math.random, deps.saltBuckets ?? 10);
  await batchWriteAll(deps.dynamodb, deps.tableName, items, { concurrency: deps.writeConcurrency ?? 8 });
  return items.length;
}

/** One dump through the source design's dedupe and write. */
export async function ingestBaseline(deps: BaselineDeps, dump: DecodedDump): Promise<BaselineResult> {
  const salts = deps.saltBuckets ?? 10;
  const random = deps.random ?? Math.random;
  const { patientId, deviceId } = dump.header;
  const meter = new CapacityMeter();

  const days = baselineReadDays(
    dump.days.map((d) => d.dayNumber),
    deps.now,
    deps.windowEnd ?? deps.now,
    deps.windowDays ?? 45,
  );
  const partitions = days.flatMap((day) =>
    Array.from({ length: salts }, (_, salt) => ({ day, pk: eventPk(salt, day, patientId, deviceId) })),
  );
  const readStart = performance.now();
  const stored = new Set<string>();
  let itemsRead = 0;
  let emptyQueries = 0;
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < partitions.length) {
      const { day, pk } = partitions[next++]!;
      const read = await readPartition(deps, pk, day, meter, stored);
      if (read < 0) emptyQueries++;
      else itemsRead += read;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.readConcurrency ?? 16) }, reader));

  const readMs = performance.now() - readStart;
  const writeStart = performance.now();
  const selection = selectNewEvents(dump, stored, deps.now);
  const items = baselineItems(dump, selection.indices, random, salts);
  await batchWriteAll(deps.dynamodb, deps.tableName, items, {
    concurrency: deps.writeConcurrency ?? 8,
    meter,
  });
  const writeMs = performance.now() - writeStart;
  return {
    candidates: selection.candidates,
    expired: selection.expired,
    stored: items.length,
    duplicates: selection.duplicates,
    daysRead: days.length,
    itemsRead,
    emptyQueries,
    capacity: meter.snapshot(),
    readMs,
    writeMs,
  };
}
