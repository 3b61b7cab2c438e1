import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ChunkMessage } from './chunk-message';
import type { ChunkOutcome } from './classify';
import { chunkSk, dayLabel, dayTtl, ledgerPk } from './keys';

/**
 * A committed chunk's outcome item (ledger partition, sk CHUNK#id). Written with
 * attribute_not_exists in the commit transaction, so it doubles as the "already committed"
 * marker that makes a redelivered chunk a no-op.
 */
export function outcomeKey(
  message: Pick<ChunkMessage, 'dumpId' | 'chunkId'>,
): Record<string, AttributeValue> {
  return { pk: { S: ledgerPk(message.dumpId) }, sk: { S: chunkSk(message.chunkId) } };
}

export function outcomeItem(
  message: ChunkMessage,
  outcome: ChunkOutcome,
  now: number,
): Record<string, AttributeValue> {
  return {
    ...outcomeKey(message),
    day: { S: dayLabel(message.dayNumber) },
    records: { N: String(outcome.records) },
    stored: { N: String(outcome.stored) },
    duplicates: { N: String(outcome.duplicates) },
    conflicts: { N: String(outcome.conflicts) },
    committedAt: { N: String(now) },
    ttl: { N: String(dayTtl(Math.floor(now / 86_400_000))) },
  };
}

export function outcomeFromItem(item: Record<string, AttributeValue>): ChunkOutcome {
  return {
    records: Number(item['records']?.N ?? 0),
    stored: Number(item['stored']?.N ?? 0),
    duplicates: Number(item['duplicates']?.N ?? 0),
    conflicts: Number(item['conflicts']?.N ?? 0),
  };
}
