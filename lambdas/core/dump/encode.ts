import { crc32 } from './crc32';
import { DumpEncodeError } from './errors';
import {
  FORMAT_VERSION,
  H,
  HEADER_MAGIC_U32,
  HEADER_SIZE,
  ID_LENGTH,
  MAX_RECORDS,
  R,
  RECORD_SIZE,
  TRAILER_MAGIC_U32,
  TRAILER_SIZE,
  TWO_POW_32,
} from './layout';

/** Header fields a writer chooses. Ids must follow the spec's identity rules. */
export interface DumpHeaderInput {
  readonly deviceId: string;
  readonly patientId: string;
  /** Milliseconds since the epoch; a bigint reaches the whole u64 range. */
  readonly createdAt: number | bigint;
  /** @default 0 */
  readonly firmware?: number;
  /** Reserved header flags. @default 0 */
  readonly flags?: number;
  /** Bytes per record, at least 32; bytes past 32 come from `extraRecordBytes`. @default 32 */
  readonly recordSize?: number;
  /** At least 64; bytes 64..headerSize come from `headerGap`. @default 64 */
  readonly headerSize?: number;
  /** Content of the bytes between offset 64 and headerSize (zero-filled when shorter). @default zeros */
  readonly headerGap?: Uint8Array;
  /** Content of each record's bytes past 32 (zero-filled when shorter). @default zeros */
  readonly extraRecordBytes?: Uint8Array | ((recordIndex: number) => Uint8Array);
}

/** An event to write. Like DumpEvent, but the timestamp may be a bigint to reach the whole u64 range. */
export interface EncodableEvent {
  readonly timestamp: number | bigint;
  readonly seq: number;
  readonly type: number;
  readonly flags: number;
  readonly value: number;
  readonly duration: number;
  /** The record's reserved bytes 28..31. @default 0 */
  readonly reserved?: number;
}

export interface EncodeDumpInput extends DumpHeaderInput {
  readonly events: readonly EncodableEvent[];
}

// Imported bindings compile to getter calls under CommonJS transpilers; per-record code reads these locals.
const WORD = TWO_POW_32;
const BASE_SIZE = RECORD_SIZE;
const TRAILER = TRAILER_SIZE;
const MAX_COUNT = MAX_RECORDS;
const TS = R.timestamp;
const SEQ = R.seq;
const TYPE = R.type;
const FLAGS = R.flags;
const VALUE = R.value;
const DURATION = R.duration;
const RESERVED = R.reserved;

function requireUint(value: number, bits: 16 | 32, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) {
    throw new DumpEncodeError(`${what} must be an integer from 0 to ${2 ** bits - 1}, got ${value}`);
  }
}

function u64Words(value: number | bigint, what: string): [hi: number, lo: number] {
  if (typeof value === 'bigint') {
    if (value < 0n || value >= 1n << 64n)
      throw new DumpEncodeError(`${what} must fit in 64 unsigned bits, got ${value}`);
    return [Number(value >> 32n), Number(value & 0xffffffffn)];
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new DumpEncodeError(
      `${what} must be a non-negative safe integer (use a bigint above 2^53), got ${value}`,
    );
  }
  const lo = value % TWO_POW_32;
  return [(value - lo) / TWO_POW_32, lo];
}

function writeId(bytes: Uint8Array, offset: number, id: string, field: string): void {
  if (id.length < 1 || id.length > ID_LENGTH) {
    throw new DumpEncodeError(`${field} must be 1 to ${ID_LENGTH} characters, got ${JSON.stringify(id)}`);
  }
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) {
      throw new DumpEncodeError(
        `${field} may hold only printable ASCII 0x21..0x7E, got ${JSON.stringify(id)}`,
      );
    }
    bytes[offset + i] = c;
  }
}

/**
 * Streams events into an MDMP/1 dump without building per-event objects (the generator writes
 * a million records this way). The buffer grows as needed; `finish` fills in the record count,
 * both CRCs and the trailer, and returns the exact bytes.
 */
export class DumpWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private count = 0;
  private readonly headerSize: number;
  private readonly recordSize: number;
  private readonly extra: DumpHeaderInput['extraRecordBytes'];
  private finished = false;

  constructor(header: DumpHeaderInput, initialCapacity = 1024) {
    this.headerSize = header.headerSize ?? HEADER_SIZE;
    this.recordSize = header.recordSize ?? RECORD_SIZE;
    if (this.headerSize < HEADER_SIZE || this.headerSize > 0xffff || !Number.isInteger(this.headerSize)) {
      throw new DumpEncodeError(
        `headerSize must be an integer from ${HEADER_SIZE} to 65535, got ${this.headerSize}`,
      );
    }
    if (this.recordSize < RECORD_SIZE || this.recordSize > 0xffff || !Number.isInteger(this.recordSize)) {
      throw new DumpEncodeError(
        `recordSize must be an integer from ${RECORD_SIZE} to 65535, got ${this.recordSize}`,
      );
    }
    this.extra = header.extraRecordBytes;
    this.bytes = new Uint8Array(
      this.headerSize + Math.max(1, initialCapacity) * this.recordSize + TRAILER_SIZE,
    );
    this.view = new DataView(this.bytes.buffer);
    this.writeHeader(header);
  }

  private writeHeader(header: DumpHeaderInput): void {
    const { bytes, view } = this;
    const firmware = header.firmware ?? 0;
    const flags = header.flags ?? 0;
    requireUint(firmware, 32, 'firmware');
    requireUint(flags, 16, 'header flags');
    view.setUint32(H.magic, HEADER_MAGIC_U32, true);
    view.setUint16(H.version, FORMAT_VERSION, true);
    view.setUint16(H.headerSize, this.headerSize, true);
    view.setUint16(H.recordSize, this.recordSize, true);
    view.setUint16(H.flags, flags, true);
    writeId(bytes, H.deviceId, header.deviceId, 'deviceId');
    writeId(bytes, H.patientId, header.patientId, 'patientId');
    const [hi, lo] = u64Words(header.createdAt, 'createdAt');
    view.setUint32(H.createdAt, lo, true);
    view.setUint32(H.createdAt + 4, hi, true);
    view.setUint32(H.firmware, firmware, true);
    if (header.headerGap !== undefined) {
      bytes.set(header.headerGap.subarray(0, this.headerSize - HEADER_SIZE), HEADER_SIZE);
    }
  }

  get recordCount(): number {
    return this.count;
  }

  private reserve(): number {
    const offset = this.headerSize + this.count * this.recordSize;
    if (offset + this.recordSize + TRAILER > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, offset + this.recordSize + TRAILER));
      grown.set(this.bytes.subarray(0, offset));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    return offset;
  }

  /** Appends one record. `timestamp` is a u64 (bigint above 2^53). Values are written as given, NaN included. */
  add(
    timestamp: number | bigint,
    seq: number,
    type: number,
    flags: number,
    value: number,
    duration: number,
    reserved = 0,
  ): void {
    if (this.finished) throw new DumpEncodeError('this DumpWriter has already finished its dump');
    if (this.count >= MAX_COUNT) throw new DumpEncodeError(`a dump holds at most ${MAX_COUNT} records`);
    let hi: number;
    let lo: number;
    if (
      typeof timestamp === 'number' &&
      timestamp >= 0 &&
      timestamp <= Number.MAX_SAFE_INTEGER &&
      Number.isInteger(timestamp)
    ) {
      // The generator's million-record path: no tuple allocation per record.
      lo = timestamp >>> 0; // ToUint32 is exactly timestamp mod 2^32
      hi = (timestamp - lo) / WORD;
    } else {
      [hi, lo] = u64Words(timestamp, 'timestamp');
    }
    requireUint(seq, 32, 'seq');
    requireUint(type, 16, 'type');
    requireUint(flags, 16, 'flags');
    requireUint(duration, 32, 'duration');
    requireUint(reserved, 32, 'reserved');
    if (typeof value !== 'number') throw new DumpEncodeError(`value must be a number, got ${typeof value}`);
    const offset = this.reserve();
    const view = this.view;
    view.setUint32(offset + TS, lo, true);
    view.setUint32(offset + TS + 4, hi, true);
    view.setUint32(offset + SEQ, seq, true);
    view.setUint16(offset + TYPE, type, true);
    view.setUint16(offset + FLAGS, flags, true);
    view.setFloat64(offset + VALUE, value, true);
    view.setUint32(offset + DURATION, duration, true);
    view.setUint32(offset + RESERVED, reserved, true);
    if (this.extra !== undefined && this.recordSize > BASE_SIZE) {
      const extra = typeof this.extra === 'function' ? this.extra(this.count) : this.extra;
      this.bytes.set(extra.subarray(0, this.recordSize - BASE_SIZE), offset + BASE_SIZE);
    }
    this.count++;
  }

  addEvent(event: EncodableEvent): void {
    this.add(
      event.timestamp,
      event.seq,
      event.type,
      event.flags,
      event.value,
      event.duration,
      event.reserved ?? 0,
    );
  }

  /** Completes the dump; the writer cannot be used afterwards. */
  finish(): Uint8Array {
    if (this.finished) throw new DumpEncodeError('this DumpWriter has already finished its dump');
    this.finished = true;
    const bodyStart = this.headerSize;
    const bodyEnd = bodyStart + this.count * this.recordSize;
    const size = bodyEnd + TRAILER_SIZE;
    // A fresh exact-size copy, so callers never hold a view into a larger, partly unused buffer.
    const out = this.bytes.length === size ? this.bytes : this.bytes.slice(0, size);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    view.setUint32(H.recordCount, this.count, true);
    view.setUint32(H.headerCrc, crc32(out, 0, H.headerCrc), true);
    view.setUint32(bodyEnd, TRAILER_MAGIC_U32, true);
    view.setUint32(bodyEnd + 4, crc32(out, bodyStart, bodyEnd), true);
    return out;
  }
}

/** Writes a complete, valid MDMP/1 dump holding `events` in the given order. */
export function encodeDump(input: EncodeDumpInput): Uint8Array {
  const writer = new DumpWriter(input, input.events.length);
  for (const event of input.events) writer.addEvent(event);
  return writer.finish();
}
