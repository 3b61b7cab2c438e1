import type { ChunkEnvelope } from './chunk-message';
import { chunkWithOwner } from './chunk-owner';
import type { DayMessage } from './day-message';
import { StoredItemError } from './errors';
import { chunkPart } from './keys';
import { KnownDay } from './known-day';
import { emptyDaySummary } from './summary';
import { writeChunk, type WriteChunkDeps, type WriteChunkResult } from './write-chunk';

export interface DenseDayOptions {
  /** Milliseconds this invocation has left (Lambda's getRemainingTimeInMillis). @default unlimited */
  readonly timeLeft?: () => number;
  /** Stop before a part when less than this is left, handing the rest on. @default 15000 */
  readonly reserveMs?: number;
}

export interface DenseDayResult {
  readonly results: readonly WriteChunkResult[];
  /** Parts not attempted for lack of time: the caller sends them on as a new DayMessage. */
  readonly remaining: readonly number[];
}

/**
 * Stores the parts of a dense device-day named by a DayMessage from the parser's staged copy
 * (`staged`: the staged object's chunks), one after the other. Every part goes through writeChunk,
 * so each is committed exactly once with its own outcome, and a redelivery finds the committed
 * parts' outcomes and skips them. One view of the day is carried from part to part (KnownDay): a
 * part reads only what other dumps committed since the previous one, not the day's growing pages
 * again. When the invocation runs short of time it stops between parts and returns the rest, so a
 * day of millions of events never needs more receives than one message has: each hand-on is a
 * fresh message.
 */
export async function writeDenseDay(
  deps: WriteChunkDeps,
  message: DayMessage,
  staged: readonly ChunkEnvelope[],
  options: DenseDayOptions = {},
): Promise<DenseDayResult> {
  const byPart = new Map(staged.map((chunk) => [chunkPart(chunk.chunkId), chunk]));
  const chunks = message.parts.map((part) => {
    const chunk = byPart.get(part);
    if (chunk?.dumpId !== message.dumpId || chunk.dayNumber !== message.dayNumber) {
      throw new StoredItemError(
        `the staged object of dump ${message.dumpId} holds no part ${part} of its dense day; was it replaced?`,
      );
    }
    return chunk;
  });
  const first = await chunkWithOwner(deps, chunks[0]!);
  const knownDay = new KnownDay(emptyDaySummary(first.patientId, first.deviceId, first.dayNumber));
  const reserveMs = options.reserveMs ?? 15_000;
  const results: WriteChunkResult[] = [];
  for (const [n, chunk] of chunks.entries()) {
    if (n > 0 && options.timeLeft && options.timeLeft() < reserveMs) {
      return { results, remaining: message.parts.slice(n) };
    }
    // The parser's empty-day hint can hold for the first part only; the others find its summary.
    const { dayWasEmpty, ...rest } = chunk;
    const owned = {
      ...(n === 0 && dayWasEmpty === true ? chunk : rest),
      patientId: first.patientId,
      deviceId: first.deviceId,
    };
    results.push(await writeChunk({ ...deps, knownDay }, owned));
  }
  return { results, remaining: [] };
}
