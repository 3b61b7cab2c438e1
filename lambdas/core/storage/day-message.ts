import { decodeChunkMessage, type ChunkEnvelope } from './chunk-message';
import { ChunkMessageError } from './errors';
import { dayToken } from './keys';

/**
 * The fan-out message for a dense device-day: a day with more than DENSE_DAY_PARTS parts travels
 * by reference (a claim check). The parser stages the day's chunk bodies in one S3 object of its
 * own, under the staging prefix and named by the dump id and day only; the message names that
 * object and the parts still to store. One worker then commits the parts one after the other under
 * one view of the day (dense-day.ts), instead of dozens of messages queueing on the same lease and
 * each re-reading the growing day (issue 12, defect 5). The staged copy, not the upload, is read:
 * an upload can be overwritten under its key while the dump is in flight.
 */
export interface DayMessage {
  readonly dumpId: string;
  readonly dayNumber: number;
  /** The parts (ChunkPlan.part) still to store, ascending; the staged object may hold more. */
  readonly parts: readonly number[];
  readonly staged: StagedDayRef;
}

export interface StagedDayRef {
  readonly bucket: string;
  readonly key: string;
}

/** A day with more parts than this goes out as one DayMessage. */
export const DENSE_DAY_PARTS = 4;

const VERSION = 2;

/** Where the parser stages a dense day: no patient or device identifier in the key. */
export function stagedDayKey(prefix: string, dumpId: string, dayNumber: number): string {
  return `${prefix}${dumpId}/${dayToken(dayNumber)}`;
}

export function encodeDayMessage(message: DayMessage): string {
  return JSON.stringify({
    v: VERSION,
    k: 'day',
    dump: message.dumpId,
    day: message.dayNumber,
    parts: message.parts,
    b: message.staged.bucket,
    o: message.staged.key,
  });
}

export type FanOutMessage =
  | { readonly kind: 'chunk'; readonly chunk: ChunkEnvelope }
  | { readonly kind: 'day'; readonly day: DayMessage };

/** A fan-out queue body: a chunk (events inline) or a dense day (by reference). */
export function decodeFanOutMessage(body: string): FanOutMessage {
  let envelope: Record<string, unknown>;
  try {
    envelope = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new ChunkMessageError('fan-out message is not JSON');
  }
  if (envelope['k'] !== 'day') return { kind: 'chunk', chunk: decodeChunkMessage(body) };
  const { v, dump, day, parts, b, o } = envelope;
  if (v !== VERSION) throw new ChunkMessageError(`day message version is ${String(v)}, expected ${VERSION}`);
  if (
    typeof dump !== 'string' ||
    typeof b !== 'string' ||
    typeof o !== 'string' ||
    !Number.isSafeInteger(day) ||
    !Array.isArray(parts) ||
    parts.length === 0 ||
    !parts.every((part) => Number.isSafeInteger(part) && (part as number) >= 0)
  ) {
    throw new ChunkMessageError('day message is missing fields');
  }
  return {
    kind: 'day',
    day: { dumpId: dump, dayNumber: day as number, parts: parts as number[], staged: { bucket: b, key: o } },
  };
}

/** The staged object: one chunk body per line (JSON.stringify never writes a raw newline). */
export function encodeStagedDay(bodies: readonly string[]): Buffer {
  return Buffer.from(bodies.join('\n'));
}

export function decodeStagedDay(bytes: Uint8Array): ChunkEnvelope[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text === '' ? [] : text.split('\n').map((line) => decodeChunkMessage(line));
}
