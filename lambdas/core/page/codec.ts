import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  deflateRawSync,
  inflateRawSync,
} from 'node:zlib';
import { DumpflowError } from '../errors';

/**
 * The event page: the stored form of the events one commit adds to a device-day, sorted by
 * identity (msOfDay, seq, type), in columns, compressed. Pure: it knows nothing of DynamoDB, keys
 * or days. docs/data-model.md ("Event page format") describes every byte. The encoder and the
 * decoder stay in one file, a little over 300 lines, so each column's write and read sit side by
 * side and cannot drift apart.
 *
 *   u8 format (1) | u8 compression (0 none, 1 deflate-raw, 2 brotli) | varint count | varint bodyBytes | body
 *
 * The body (compressed as byte 1 says; bodyBytes is its uncompressed length) holds six columns,
 * each `count` entries, in this order:
 *   msOfDay   varint delta from the previous entry (the first from 0)
 *   seq       varint zigzag(int32(seq - previous seq)) (the first from 0)
 *   type      varint
 *   flags     varint
 *   duration  varint
 *   value     varint code: zigzag(m) x 8 + d with value = m / 10^d for d in 0..6, or exactly 7
 *             for "raw": the value's IEEE-754 bytes follow in the raw column
 * and then the raw column: 8 bytes little-endian per raw value, in entry order.
 *
 * Device values are mostly short decimals (23.4 cmH2O, 96 %): m / 10^d is exact for them and costs
 * 1-3 bytes; any other double (subnormals, -0, full-precision values) is stored bit for bit.
 * Decoding computes m / 10^d with the same correctly rounded division the encoder verified.
 */

export interface PageEvents {
  readonly length: number;
  readonly msOfDay: Uint32Array;
  readonly seq: Uint32Array;
  readonly type: Uint16Array;
  readonly flags: Uint16Array;
  readonly value: Float64Array;
  readonly duration: Uint32Array;
}

/** A page that cannot be decoded: corrupt bytes or a format this code does not know. */
export class PageFormatError extends DumpflowError {
  constructor(detail: string) {
    super('E_PAGE_FORMAT', `event page: ${detail}; the stored page is corrupt or from a newer dumpflow`);
  }
}

export const PAGE_FORMAT = 1;

export const Compression = { none: 0, deflate: 1, brotli: 2 } as const;
export type Compression = (typeof Compression)[keyof typeof Compression];

export interface EncodePageOptions {
  /** @default Compression.brotli at quality 5 (`bench/page-codec.ts` measures the choice) */
  readonly compression?: Compression;
}

export function allocatePageEvents(length: number): PageEvents {
  return {
    length,
    msOfDay: new Uint32Array(length),
    seq: new Uint32Array(length),
    type: new Uint16Array(length),
    flags: new Uint16Array(length),
    value: new Float64Array(length),
    duration: new Uint32Array(length),
  };
}

const POW10 = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000] as const;
const RAW = 7;
/** |m| stays below 2^45 so zigzag(m) x 8 + d is a safe integer. */
const MAX_MANTISSA = 2 ** 45;

/** The value's varint code, or RAW when no short decimal is exactly this double. */
export function valueCode(value: number): number {
  // -0 would pass the check below (-0 / 1 is -0) and come back as 0: its sign needs the raw bits.
  if (Number.isFinite(value) && !Object.is(value, -0)) {
    for (let d = 0; d < POW10.length; d++) {
      const m = Math.round(value * POW10[d]!);
      if (Math.abs(m) < MAX_MANTISSA && Object.is(m / POW10[d]!, value)) {
        return (m >= 0 ? 2 * m : -2 * m - 1) * 8 + d;
      }
    }
  }
  return RAW;
}

function valueOfCode(code: number): number {
  const d = code % 8;
  const zigzag = (code - d) / 8;
  const m = zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  return m / POW10[d]!;
}

/** Growable byte buffer with LEB128 varints (values up to 2^53). */
class ByteWriter {
  private bytes: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  varint(value: number): void {
    this.reserve(8);
    while (value >= 0x80) {
      this.bytes[this.length++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.bytes[this.length++] = value;
  }

  raw(chunk: Uint8Array): void {
    this.reserve(chunk.length);
    this.bytes.set(chunk, this.length);
    this.length += chunk.length;
  }

  result(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

class ByteReader {
  pos = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.bytes.length) throw new PageFormatError(`${this.what} ends inside a number`);
      const byte = this.bytes[this.pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (!Number.isSafeInteger(value)) break;
        return value;
      }
      scale *= 0x80;
    }
    throw new PageFormatError(`${this.what} holds an over-long number`);
  }

  u8(): number {
    if (this.pos >= this.bytes.length) throw new PageFormatError(`${this.what} is truncated`);
    return this.bytes[this.pos++]!;
  }

  take(length: number): Uint8Array {
    if (length > this.remaining) throw new PageFormatError(`${this.what} is truncated`);
    const chunk = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return chunk;
  }
}

/** Indices of `events` in identity order; stable, so equal identities keep their order. */
export function identityOrder(events: PageEvents): Uint32Array {
  const order = Array.from({ length: events.length }, (_, i) => i);
  const { msOfDay, seq, type } = events;
  let sorted = true;
  for (let i = 1; i < events.length && sorted; i++) {
    sorted =
      msOfDay[i - 1]! < msOfDay[i]! ||
      (msOfDay[i - 1] === msOfDay[i] &&
        (seq[i - 1]! < seq[i]! || (seq[i - 1] === seq[i] && type[i - 1]! <= type[i]!)));
  }
  if (!sorted) {
    order.sort((a, b) => msOfDay[a]! - msOfDay[b]! || seq[a]! - seq[b]! || type[a]! - type[b]! || a - b);
  }
  return Uint32Array.from(order);
}

function compress(body: Uint8Array, compression: Compression): Uint8Array {
  switch (compression) {
    case Compression.none:
      return body;
    case Compression.deflate:
      return deflateRawSync(body, { level: 9, memLevel: 9 });
    case Compression.brotli:
      return brotliCompressSync(body, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 5,
          [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      });
  }
}

function decompress(bytes: Uint8Array, compression: number, bodyBytes: number): Uint8Array {
  // Refuse to inflate past the declared size: a corrupt page must not exhaust memory.
  const limits = { maxOutputLength: Math.max(1, bodyBytes) };
  try {
    switch (compression) {
      case Compression.none:
        return bytes;
      case Compression.deflate:
        return inflateRawSync(bytes, limits);
      case Compression.brotli:
        return brotliDecompressSync(bytes, limits);
      default:
        throw new PageFormatError(`compression ${compression} is not known`);
    }
  } catch (error) {
    if (error instanceof PageFormatError) throw error;
    throw new PageFormatError(`the body does not decompress (${(error as Error).message})`);
  }
}

/** Encodes events (any order; the page holds them sorted by identity) into one page. */
export function encodePage(events: PageEvents, options: EncodePageOptions = {}): Uint8Array {
  const compression = options.compression ?? Compression.brotli;
  const n = events.length;
  const order = identityOrder(events);
  const body = new ByteWriter(n * 9 + 16);
  let previous = 0;
  for (const i of order) {
    body.varint(events.msOfDay[i]! - previous);
    previous = events.msOfDay[i]!;
  }
  previous = 0;
  for (const i of order) {
    const delta = (events.seq[i]! - previous) | 0;
    body.varint(((delta << 1) ^ (delta >> 31)) >>> 0);
    previous = events.seq[i]!;
  }
  for (const i of order) body.varint(events.type[i]!);
  for (const i of order) body.varint(events.flags[i]!);
  for (const i of order) body.varint(events.duration[i]!);
  const raws: number[] = [];
  for (const i of order) {
    const code = valueCode(events.value[i]!);
    body.varint(code);
    if (code === RAW) raws.push(events.value[i]!);
  }
  const rawBytes = new Uint8Array(raws.length * 8);
  const view = new DataView(rawBytes.buffer);
  raws.forEach((value, k) => view.setFloat64(k * 8, value, true));
  body.raw(rawBytes);

  const plain = body.result();
  const packed = compress(plain, compression);
  const out = new ByteWriter(packed.length + 24);
  out.varint(PAGE_FORMAT);
  out.varint(compression);
  out.varint(n);
  out.varint(plain.length);
  out.raw(packed);
  return out.result().slice();
}

/** Decodes a page into events sorted by identity; PageFormatError for anything malformed. */
export function decodePage(page: Uint8Array): PageEvents {
  const header = new ByteReader(page, 'page header');
  const format = header.u8();
  if (format !== PAGE_FORMAT) throw new PageFormatError(`format ${format} is not ${PAGE_FORMAT}`);
  const compression = header.u8();
  const n = header.varint();
  const bodyBytes = header.varint();
  // Every entry takes at least 6 body bytes, so a count the body cannot hold is corrupt.
  if (n * 6 > bodyBytes) throw new PageFormatError(`${n} events cannot fit in ${bodyBytes} bytes`);
  const body = decompress(page.subarray(header.pos), compression, bodyBytes);
  if (body.length !== bodyBytes) {
    throw new PageFormatError(`the body is ${body.length} bytes, the header says ${bodyBytes}`);
  }
  const reader = new ByteReader(body, 'page body');
  const events = allocatePageEvents(n);
  let ms = 0;
  for (let i = 0; i < n; i++) {
    ms += reader.varint();
    if (ms > 0xffffffff) throw new PageFormatError('a time of day is out of range');
    events.msOfDay[i] = ms;
  }
  let seq = 0;
  for (let i = 0; i < n; i++) {
    const zigzag = reader.varint();
    if (zigzag > 0xffffffff) throw new PageFormatError('a seq delta is out of range');
    seq = (seq + ((zigzag >>> 1) ^ -(zigzag & 1))) >>> 0;
    events.seq[i] = seq;
  }
  const small = (column: Uint16Array | Uint32Array, max: number, name: string) => {
    for (let i = 0; i < n; i++) {
      const value = reader.varint();
      if (value > max) throw new PageFormatError(`a ${name} is out of range`);
      column[i] = value;
    }
  };
  small(events.type, 0xffff, 'type');
  small(events.flags, 0xffff, 'flags value');
  small(events.duration, 0xffffffff, 'duration');
  const codes = new Array<number>(n);
  let raws = 0;
  for (let i = 0; i < n; i++) {
    codes[i] = reader.varint();
    if (codes[i] === RAW) raws++;
    else if (codes[i]! % 8 === RAW) throw new PageFormatError('a value code is malformed');
  }
  const raw = reader.take(raws * 8);
  if (reader.remaining !== 0) throw new PageFormatError('the body has bytes after its last column');
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let r = 0;
  for (let i = 0; i < n; i++) {
    events.value[i] = codes[i] === RAW ? view.getFloat64(8 * r++, true) : valueOfCode(codes[i]!);
  }
  for (let i = 1; i < n; i++) {
    const ordered =
      events.msOfDay[i - 1]! < events.msOfDay[i]! ||
      (events.msOfDay[i - 1] === events.msOfDay[i] &&
        (events.seq[i - 1]! < events.seq[i]! ||
          (events.seq[i - 1] === events.seq[i] && events.type[i - 1]! <= events.type[i]!)));
    if (!ordered) throw new PageFormatError('events are not in identity order');
  }
  return events;
}
