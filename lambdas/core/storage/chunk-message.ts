import { ChunkMessageError } from './errors';

/**
 * The fan-out message for one chunk: part of one device-day of one dump. Events travel as packed
 * binary (base64), 24 bytes each, so a 6,000-event chunk is ~190 KiB of base64, under SQS's
 * 256 KiB, where JSON objects would need ~4x that.
 *
 * Each event is a variant (see PreparedDay): `copies` says how many records of the dump it stands
 * for (exact repeats collapse), so the worker can count duplicates without receiving them.
 */
export interface ChunkEvents {
  readonly length: number;
  readonly msOfDay: Uint32Array;
  readonly seq: Uint32Array;
  readonly type: Uint16Array;
  readonly flags: Uint16Array;
  readonly value: Float64Array;
  readonly duration: Uint32Array;
  readonly copies: Uint32Array;
}

export interface ChunkMessage {
  /** The dump's opaque id (its ledger is keys.ledgerPk(dumpId)). */
  readonly dumpId: string;
  /** Whose events these are; not in the message body (ChunkEnvelope): the worker reads them from the ledger. */
  readonly patientId: string;
  readonly deviceId: string;
  readonly dayNumber: number;
  /** `{day token}-{part}`, unique within the dump. */
  readonly chunkId: string;
  /** When the dump object was uploaded (ms); completion latency is measured from it. */
  readonly uploadedAt: number;
  /**
   * The parser's hint that the device-day had no day summary when it settled the dump. Only a
   * hint: another dump may have written the day since, so the worker checks it in the same
   * transaction that takes the day lease (writeChunk's fast path). Absent means false.
   */
  readonly dayWasEmpty?: boolean;
  /** Ordered as in PreparedDay: by identity, an identity's variants in first-appearance order. */
  readonly events: ChunkEvents;
}

/**
 * What travels in SQS: a chunk without its patient and device ids, so queue messages (and the
 * dead-letter queue) never carry them; the worker takes them from the dump's ledger.
 */
export type ChunkEnvelope = Omit<ChunkMessage, 'patientId' | 'deviceId'>;

export function allocateChunkEvents(length: number): ChunkEvents {
  return {
    length,
    msOfDay: new Uint32Array(length),
    seq: new Uint32Array(length),
    type: new Uint16Array(length),
    flags: new Uint16Array(length),
    value: new Float64Array(length),
    duration: new Uint32Array(length),
    copies: new Uint32Array(length).fill(1),
  };
}

/** 2: the patient and device ids left the envelope (version 1 carried them as `p` and `d`). */
const VERSION = 2;
const EVENT_BYTES = 24;
/** SQS's limit for a message body. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

interface Envelope {
  v: number;
  dump: string;
  day: number;
  id: string;
  up: number;
  n: number;
  /** dayWasEmpty; only written when true, so older messages (without it) decode as false. */
  empty?: boolean;
  /** base64: n x 24 event bytes, then u32 m and m x (u32 index, u32 copies) for variants with copies > 1. */
  ev: string;
}

function packEvents(events: ChunkEvents): Buffer {
  let repeated = 0;
  for (let i = 0; i < events.length; i++) if (events.copies[i] !== 1) repeated++;
  const buffer = Buffer.alloc(events.length * EVENT_BYTES + 4 + repeated * 8);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let pos = 0;
  for (let i = 0; i < events.length; i++) {
    view.setUint32(pos, events.msOfDay[i]!, true);
    view.setUint32(pos + 4, events.seq[i]!, true);
    view.setUint16(pos + 8, events.type[i]!, true);
    view.setUint16(pos + 10, events.flags[i]!, true);
    view.setFloat64(pos + 12, events.value[i]!, true);
    view.setUint32(pos + 20, events.duration[i]!, true);
    pos += EVENT_BYTES;
  }
  view.setUint32(pos, repeated, true);
  pos += 4;
  for (let i = 0; i < events.length; i++) {
    if (events.copies[i] === 1) continue;
    view.setUint32(pos, i, true);
    view.setUint32(pos + 4, events.copies[i]!, true);
    pos += 8;
  }
  return buffer;
}

function unpackEvents(bytes: Buffer, length: number): ChunkEvents {
  const events = allocateChunkEvents(length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < length * EVENT_BYTES + 4)
    throw new ChunkMessageError('chunk message events are truncated');
  let pos = 0;
  for (let i = 0; i < length; i++) {
    events.msOfDay[i] = view.getUint32(pos, true);
    events.seq[i] = view.getUint32(pos + 4, true);
    events.type[i] = view.getUint16(pos + 8, true);
    events.flags[i] = view.getUint16(pos + 10, true);
    events.value[i] = view.getFloat64(pos + 12, true);
    events.duration[i] = view.getUint32(pos + 20, true);
    pos += EVENT_BYTES;
  }
  const repeated = view.getUint32(pos, true);
  pos += 4;
  if (bytes.length !== pos + repeated * 8)
    throw new ChunkMessageError('chunk message copy counts are truncated');
  for (let r = 0; r < repeated; r++) {
    const index = view.getUint32(pos, true);
    const copies = view.getUint32(pos + 4, true);
    if (index >= length || copies < 1) throw new ChunkMessageError('chunk message has an invalid copy count');
    events.copies[index] = copies;
    pos += 8;
  }
  return events;
}

export function encodeChunkMessage(message: ChunkEnvelope): string {
  const envelope: Envelope = {
    v: VERSION,
    dump: message.dumpId,
    day: message.dayNumber,
    id: message.chunkId,
    up: message.uploadedAt,
    n: message.events.length,
    ...(message.dayWasEmpty === true ? { empty: true } : {}),
    ev: packEvents(message.events).toString('base64'),
  };
  return JSON.stringify(envelope);
}

export function decodeChunkMessage(body: string): ChunkEnvelope {
  let envelope: Partial<Envelope>;
  try {
    envelope = JSON.parse(body) as Partial<Envelope>;
  } catch {
    throw new ChunkMessageError('chunk message is not JSON');
  }
  if (envelope.v !== VERSION)
    throw new ChunkMessageError(`chunk message version is ${envelope.v}, expected ${VERSION}`);
  const { dump, day, id, up, n, empty, ev } = envelope;
  if (
    typeof dump !== 'string' ||
    typeof id !== 'string' ||
    typeof ev !== 'string' ||
    !Number.isSafeInteger(day) ||
    !Number.isFinite(up) ||
    !Number.isSafeInteger(n) ||
    (n as number) < 0 ||
    (empty !== undefined && typeof empty !== 'boolean')
  ) {
    throw new ChunkMessageError('chunk message is missing fields');
  }
  return {
    dumpId: dump,
    dayNumber: day as number,
    chunkId: id,
    uploadedAt: up as number,
    ...(empty === true ? { dayWasEmpty: true } : {}),
    events: unpackEvents(Buffer.from(ev, 'base64'), n as number),
  };
}
