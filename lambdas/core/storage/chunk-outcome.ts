import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ChunkMessage } from './chunk-message';
import type { ChunkOutcome } from './classify';
import { readItem, toAttributes } from './items';
import { chunkSk, dayLabel, dayTtl, ledgerPk } from './keys';

/**
 * A committed chunk's outcome item (ledger partition, sk CHUNK#id). Written with
 * attribute_not_exists in the commit transaction, so it doubles as the "already committed"
 * marker that makes a redelivered chunk a no-op.
 */
export function outcomeKey(
  message: Pick<ChunkMessage, 'dumpId' | 'chunkId'>,
): Record<string, AttributeValue> {
  return toAttributes({ pk: ledgerPk(message.dumpId), sk: chunkSk(message.chunkId) });
}

export function outcomeItem(
  message: ChunkMessage,
  outcome: ChunkOutcome,
  now: number,
): Record<string, AttributeValue> {
  return {
    ...outcomeKey(message),
    ...toAttributes({
      day: dayLabel(message.dayNumber),
      records: outcome.records,
      stored: outcome.stored,
      duplicates: outcome.duplicates,
      conflicts: outcome.conflicts,
      committedAt: now,
      ttl: dayTtl(Math.floor(now / 86_400_000)),
    }),
  };
}

export function outcomeFromItem(item: Record<string, AttributeValue>): ChunkOutcome {
  const stored = readItem(item, 'a chunk outcome');
  const count = (name: string) => stored.optionalNumber(name) ?? 0;
  return {
    records: count('records'),
    stored: count('stored'),
    duplicates: count('duplicates'),
    conflicts: count('conflicts'),
  };
}
