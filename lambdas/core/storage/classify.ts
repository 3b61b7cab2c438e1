import { allocatePageEvents, type PageEvents } from '../page/codec';
import type { ChunkEvents } from './chunk-message';
import { eventHash, type Hash128 } from './hash';

/** What one chunk adds to a device-day and how its records count. */
export interface ChunkOutcome {
  /** Records the chunk stands for (every copy). */
  readonly records: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly conflicts: number;
}

export interface Classified {
  readonly outcome: ChunkOutcome;
  /** The events to store: the first variant of each identity the day does not hold, in identity order. */
  readonly fresh: PageEvents;
  /** eventHash of each fresh event, 4 limbs each, for the summary's fingerprint. */
  readonly freshHashes: Uint32Array;
}

function compareIdentity(a: ChunkEvents | PageEvents, i: number, b: PageEvents, j: number): number {
  return a.msOfDay[i]! - b.msOfDay[j]! || a.seq[i]! - b.seq[j]! || a.type[i]! - b.type[j]!;
}

function sameContent(a: ChunkEvents, i: number, b: PageEvents, j: number): boolean {
  return a.flags[i] === b.flags[j] && a.duration[i] === b.duration[j] && Object.is(a.value[i], b.value[j]);
}

/**
 * Classifies a chunk (variants in identity order, an identity's variants adjacent, first copy in
 * file order first) against the events the device-day holds (`stored`, in identity order), by
 * one merge of the two sorted sequences:
 * - an identity the day lacks is new: its first variant is stored, its other copies are
 *   duplicates, and copies of its later variants (other content) are also conflicts;
 * - an identity the day holds: every copy is a duplicate, and copies whose content differs from
 *   the stored event's (flags, value bits, duration compared exactly) are also conflicts.
 */
export function classifyChunk(chunk: ChunkEvents, stored: PageEvents, seed: number): Classified {
  const freshIndex: number[] = [];
  const hashes: number[] = [];
  const hash: Hash128 = [0, 0, 0, 0];
  let records = 0;
  let duplicates = 0;
  let conflicts = 0;
  let s = 0;
  let k = 0;
  while (k < chunk.length) {
    let end = k + 1;
    while (
      end < chunk.length &&
      chunk.msOfDay[end] === chunk.msOfDay[k] &&
      chunk.seq[end] === chunk.seq[k] &&
      chunk.type[end] === chunk.type[k]
    ) {
      end++;
    }
    while (s < stored.length && compareIdentity(chunk, k, stored, s) > 0) s++;
    const held = s < stored.length && compareIdentity(chunk, k, stored, s) === 0;
    for (let j = k; j < end; j++) {
      const copies = chunk.copies[j]!;
      records += copies;
      if (held) {
        duplicates += copies;
        if (!sameContent(chunk, j, stored, s)) conflicts += copies;
      } else if (j === k) {
        freshIndex.push(j);
        eventHash(
          chunk.msOfDay[j]!,
          chunk.seq[j]!,
          chunk.type[j]!,
          chunk.flags[j]!,
          chunk.value[j]!,
          chunk.duration[j]!,
          seed,
          hash,
        );
        hashes.push(...hash);
        duplicates += copies - 1;
      } else {
        // Variants of one identity have distinct content, so every later one conflicts with the first.
        duplicates += copies;
        conflicts += copies;
      }
    }
    k = end;
  }
  const fresh = allocatePageEvents(freshIndex.length);
  freshIndex.forEach((j, slot) => {
    fresh.msOfDay[slot] = chunk.msOfDay[j]!;
    fresh.seq[slot] = chunk.seq[j]!;
    fresh.type[slot] = chunk.type[j]!;
    fresh.flags[slot] = chunk.flags[j]!;
    fresh.value[slot] = chunk.value[j]!;
    fresh.duration[slot] = chunk.duration[j]!;
  });
  return {
    outcome: { records, stored: freshIndex.length, duplicates, conflicts },
    fresh,
    freshHashes: Uint32Array.from(hashes),
  };
}
