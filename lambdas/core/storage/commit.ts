import { randomBytes } from 'node:crypto';
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { ChunkMessage } from './chunk-message';
import { outcomeItem } from './chunk-outcome';
import type { Classified } from './classify';
import { addHash } from './fingerprint';
import { MAX_PAGES_PER_DAY } from './keys';
import { releaseDayLeaseItem } from './lease';
import { pageItems, pagesFor } from './pages';
import { StoredItemError } from './errors';
import { toAttributes } from './items';
import { addEventToKpiInputs, daySummaryItem, type DaySummary } from './summary';

/**
 * The one transaction that stores a chunk's new events:
 * - the chunk outcome (attribute_not_exists: a chunk commits once, however often it is delivered);
 * - the event pages holding the new events (attribute_not_exists: pages are immutable);
 * - the day summary moved from `base` to the returned `next` (version = base.version, or
 *   attribute_not_exists when base.version is 0): count, fingerprint, KPI inputs and page count
 *   extended together with the pages, so they can never disagree;
 * - the release of the day lease (owner = this writer): a writer that lost its lease, to expiry or
 *   to another worker, cannot commit, so it cannot change stored state after the fact.
 *
 * `base` is what the day held when the chunk was classified. A base without a generation (a new
 * day, or a day past its retention whose pages TTL is deleting) starts a new generation of pages
 * spread over `saltBuckets` partitions.
 */
export function commitTransaction(
  tableName: string,
  message: ChunkMessage,
  base: DaySummary,
  classified: Classified,
  lease: { readonly pk: string; readonly token: string },
  options: { readonly saltBuckets: number; readonly now: number },
): { readonly items: TransactWriteItem[]; readonly next: DaySummary } {
  const fresh = classified.fresh;
  const fingerprint = base.fingerprint.slice();
  const inputs = { ...base.inputs };
  for (let slot = 0; slot < fresh.length; slot++) {
    addHash(fingerprint, classified.freshHashes.subarray(slot * 4, slot * 4 + 4));
    addEventToKpiInputs(inputs, fresh.type[slot]!, fresh.value[slot]!, fresh.duration[slot]!);
  }
  const newGeneration = base.generation === '';
  const next: DaySummary = {
    ...base,
    version: base.version + 1,
    // 48 random bits: only ever compared with the generation of an expired summary of the same day.
    generation: newGeneration ? randomBytes(6).toString('base64url') : base.generation,
    salts: newGeneration ? options.saltBuckets : base.salts,
    pages: (newGeneration ? 0 : base.pages) + pagesFor(fresh.length),
    fingerprint,
    inputs,
  };
  if (next.pages > MAX_PAGES_PER_DAY) {
    throw new StoredItemError(`a device-day cannot hold more than ${MAX_PAGES_PER_DAY} event pages`);
  }
  const items: TransactWriteItem[] = [
    {
      Put: {
        TableName: tableName,
        Item: outcomeItem(message, classified.outcome, options.now),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    ...pageItems(next, fresh).map((Item): TransactWriteItem => ({
      Put: { TableName: tableName, Item, ConditionExpression: 'attribute_not_exists(pk)' },
    })),
    {
      Put: {
        TableName: tableName,
        Item: daySummaryItem(next),
        ...(base.version === 0
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : {
              ConditionExpression: 'version = :v',
              ExpressionAttributeValues: toAttributes({ ':v': base.version }),
            }),
      },
    },
    releaseDayLeaseItem(tableName, lease.pk, lease.token),
  ];
  return { items, next };
}
