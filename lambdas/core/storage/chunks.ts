import { DumpflowError } from '../errors';
import {
  allocateChunkEvents,
  encodeChunkMessage,
  MAX_MESSAGE_BYTES,
  type ChunkEnvelope,
  type ChunkMessage,
} from './chunk-message';
import { chunkId } from './keys';
import type { PreparedDay, PreparedDump } from './prepare';

/** Default cap on variants (events) per chunk: keeps a message under 256 KiB and a digest page small. */
export const DEFAULT_MAX_CHUNK_EVENTS = 6000;

/** A slice [start, end) of one PreparedDay's variants. */
export interface ChunkPlan {
  readonly chunkId: string;
  readonly day: PreparedDay;
  /** 0, 1, ...: the part of the day (chunkId is `{day}-{part}`). */
  readonly part: number;
  readonly start: number;
  readonly end: number;
}

export class ChunkTooLargeError extends DumpflowError {
  constructor(id: string, bytes: number) {
    super(
      'E_CHUNK_TOO_LARGE',
      `chunk ${id} encodes to ${bytes} bytes, over SQS's ${MAX_MESSAGE_BYTES}; one event identity has too many conflicting copies in this dump`,
    );
  }
}

/**
 * Splits days into chunks of one device-day each, at most `maxEvents` variants per chunk. A big
 * day splits into parts only between identities: all copies of an identity stay in one chunk,
 * so the copy that wins (the first in file order) does not depend on how chunks are scheduled.
 * Chunk ids are deterministic (`{day}-{part}`), so a re-driven dump re-creates the same chunks.
 */
export function planChunks(
  dump: PreparedDump,
  days: readonly PreparedDay[],
  options: { readonly maxEvents?: number } = {},
): ChunkPlan[] {
  const maxEvents = Math.max(1, options.maxEvents ?? DEFAULT_MAX_CHUNK_EVENTS);
  const e = dump.events;
  const plans: ChunkPlan[] = [];
  for (const day of days) {
    const v = day.variants;
    const sameIdentity = (k: number) =>
      e.msOfDay[v[k - 1]!] === e.msOfDay[v[k]!] &&
      e.seq[v[k - 1]!] === e.seq[v[k]!] &&
      e.type[v[k - 1]!] === e.type[v[k]!];
    let start = 0;
    let part = 0;
    while (start < v.length) {
      let end = Math.min(start + maxEvents, v.length);
      if (end < v.length) {
        let cut = end;
        while (cut > start && sameIdentity(cut)) cut--;
        if (cut > start) end = cut;
        else {
          // One identity fills the whole window: keep all its variants together, past the cap.
          while (end < v.length && sameIdentity(end)) end++;
        }
      }
      plans.push({ chunkId: chunkId(day.dayNumber, part), day, part, start, end });
      part++;
      start = end;
    }
  }
  return plans;
}

export interface ChunkContext {
  /** The dump's opaque id. */
  readonly dumpId: string;
  readonly uploadedAt: number;
  /** Days the parser found without a summary (SettleResult.emptyDays): their chunks carry the hint. */
  readonly emptyDays?: ReadonlySet<number>;
  /** The most variants per chunk the plan was cut with. @default DEFAULT_MAX_CHUNK_EVENTS */
  readonly maxEvents?: number;
}

export function buildChunkMessage(dump: PreparedDump, plan: ChunkPlan, context: ChunkContext): ChunkMessage {
  const src = dump.events;
  const length = plan.end - plan.start;
  const events = allocateChunkEvents(length);
  for (let k = 0; k < length; k++) {
    const i = plan.day.variants[plan.start + k]!;
    events.msOfDay[k] = src.msOfDay[i]!;
    events.seq[k] = src.seq[i]!;
    events.type[k] = src.type[i]!;
    events.flags[k] = src.flags[i]!;
    events.value[k] = src.value[i]!;
    events.duration[k] = src.duration[i]!;
    events.copies[k] = plan.day.copies[plan.start + k]!;
  }
  return {
    dumpId: context.dumpId,
    patientId: dump.patientId,
    deviceId: dump.deviceId,
    dayNumber: plan.day.dayNumber,
    chunkId: plan.chunkId,
    uploadedAt: context.uploadedAt,
    ...(context.emptyDays?.has(plan.day.dayNumber) ? { dayWasEmpty: true } : {}),
    events,
  };
}

/** The SQS body of a chunk (its envelope); throws ChunkTooLargeError rather than let SQS refuse it later. */
export function chunkMessageBody(message: ChunkEnvelope): string {
  const body = encodeChunkMessage(message);
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_MESSAGE_BYTES) throw new ChunkTooLargeError(message.chunkId, bytes);
  return body;
}
