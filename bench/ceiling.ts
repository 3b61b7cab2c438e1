/**
 * The raw write ceiling of a DynamoDB (Local) endpoint: plain BatchWriteItem of event items, 25 per
 * call, `concurrency` calls in flight, no reads, no conditions, no transactions. What the pipeline
 * would reach if storing an event cost nothing but its put.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DecodedDump } from '../lambdas/core/dump/types';
import { batchWriteAll, type Item } from './batch-writer';
import { eventPk, eventSk, valueAttribute } from './event-items';
import { dayTtl } from '../lambdas/core/storage/keys';

export interface CeilingFigures {
  readonly items: number;
  readonly seconds: number;
  readonly itemsPerSecond: number;
  /** BatchWriteItem calls in flight. */
  readonly concurrency: number;
}

/**
 * Event items shaped like the stored ones (same attributes and sizes), under a patient id of their
 * own so they never collide with what the pipeline stored, spread over 10 salts like the real keys.
 */
export function ceilingItems(dumps: readonly DecodedDump[], count: number): Item[] {
  const items: Item[] = [];
  for (const [d, dump] of dumps.entries()) {
    const e = dump.events;
    for (let k = 0; k < e.length && items.length < count; k++) {
      const day = e.dayNumber[k]!;
      items.push({
        pk: { S: eventPk(k % 10, day, `CEILING-${d}`, dump.header.deviceId) },
        sk: { S: `${eventSk(e.msOfDay[k]!, e.seq[k]!, e.type[k]!)}-${k}` },
        ts: { N: String(e.timestamp[k]!) },
        seq: { N: String(e.seq[k]!) },
        type: { N: String(e.type[k]!) },
        flags: { N: String(e.flags[k]!) },
        value: valueAttribute(e.value[k]!),
        duration: { N: String(e.duration[k]!) },
        ttl: { N: String(dayTtl(day)) },
      });
    }
  }
  return items;
}

export async function measureWriteCeiling(
  client: DynamoDBClient,
  tableName: string,
  items: readonly Item[],
  concurrency: number,
): Promise<CeilingFigures> {
  const start = performance.now();
  await batchWriteAll(client, tableName, items, { concurrency });
  const seconds = (performance.now() - start) / 1000;
  return {
    items: items.length,
    seconds,
    itemsPerSecond: seconds > 0 ? items.length / seconds : 0,
    concurrency,
  };
}
