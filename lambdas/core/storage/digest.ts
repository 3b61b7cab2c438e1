import { DumpflowError } from '../errors';

/**
 * A day digest page: the identities one commit added to a device-day, each with the 32-bit hash
 * of its stored content. Compact binary so reading a 3,000-event day costs ~7 RCU:
 *
 *   u8 format (1) | varint count | per entry, sorted by (msOfDay, seq, type):
 *     varint msOfDay delta | varint zigzag(int32 seq delta) | varint type | u32le contentHash
 *
 * Times rise within a day and seq usually rises by one, so an entry takes ~8-9 bytes instead of
 * 14; the content hash is random and stays raw.
 */

export interface DigestEntries {
  readonly length: number;
  readonly msOfDay: Uint32Array;
  readonly seq: Uint32Array;
  readonly type: Uint16Array;
  readonly contentHash: Uint32Array;
}

export class DigestFormatError extends DumpflowError {
  constructor(message: string) {
    super('E_DIGEST_FORMAT', `${message}; the digest page is corrupt or from an unknown version`);
  }
}

const FORMAT = 1;

export function allocateDigestEntries(length: number): DigestEntries {
  return {
    length,
    msOfDay: new Uint32Array(length),
    seq: new Uint32Array(length),
    type: new Uint16Array(length),
    contentHash: new Uint32Array(length),
  };
}

function compareAt(e: DigestEntries, a: number, b: number): number {
  return e.msOfDay[a]! - e.msOfDay[b]! || e.seq[a]! - e.seq[b]! || e.type[a]! - e.type[b]!;
}

export function encodeDigestPage(entries: DigestEntries): Uint8Array {
  const order = Array.from({ length: entries.length }, (_, i) => i);
  order.sort((a, b) => compareAt(entries, a, b));
  // Worst case per entry: 5 + 5 + 3 + 4 bytes.
  const out = new Uint8Array(6 + entries.length * 17);
  let pos = 0;
  const varint = (value: number) => {
    while (value >= 0x80) {
      out[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    out[pos++] = value;
  };
  out[pos++] = FORMAT;
  varint(entries.length);
  let prevMs = 0;
  let prevSeq = 0;
  for (const i of order) {
    const ms = entries.msOfDay[i]!;
    const seq = entries.seq[i]!;
    varint(ms - prevMs);
    const delta = (seq - prevSeq) | 0;
    varint(((delta << 1) ^ (delta >> 31)) >>> 0);
    varint(entries.type[i]!);
    const hash = entries.contentHash[i]!;
    out[pos++] = hash & 0xff;
    out[pos++] = (hash >>> 8) & 0xff;
    out[pos++] = (hash >>> 16) & 0xff;
    out[pos++] = hash >>> 24;
    prevMs = ms;
    prevSeq = seq;
  }
  return out.slice(0, pos);
}

export function decodeDigestPage(bytes: Uint8Array): DigestEntries {
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.length) throw new DigestFormatError('digest page ends inside a number');
      const byte = bytes[pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
      if (shift > 35) throw new DigestFormatError('digest page holds an over-long number');
    }
  };
  if (bytes[pos++] !== FORMAT) throw new DigestFormatError(`digest page format is not ${FORMAT}`);
  const length = varint();
  const entries = allocateDigestEntries(length);
  let ms = 0;
  let seq = 0;
  for (let i = 0; i < length; i++) {
    ms += varint();
    const zigzag = varint();
    seq = (seq + ((zigzag >>> 1) ^ -(zigzag & 1))) >>> 0;
    entries.msOfDay[i] = ms;
    entries.seq[i] = seq;
    entries.type[i] = varint();
    if (pos + 4 > bytes.length) throw new DigestFormatError('digest page ends inside a content hash');
    entries.contentHash[i] =
      (bytes[pos]! | (bytes[pos + 1]! << 8) | (bytes[pos + 2]! << 16) | (bytes[pos + 3]! << 24)) >>> 0;
    pos += 4;
  }
  if (pos !== bytes.length) throw new DigestFormatError('digest page has bytes after its last entry');
  return entries;
}

function identityKey(msOfDay: number, seq: number, type: number): string {
  return `${msOfDay}.${seq}.${type}`;
}

/** Lookup of stored identities -> content hash, built from all pages of a device-day. */
export class DigestIndex {
  private readonly byIdentity = new Map<string, number>();

  get size(): number {
    return this.byIdentity.size;
  }

  addPage(entries: DigestEntries): void {
    for (let i = 0; i < entries.length; i++) {
      this.byIdentity.set(
        identityKey(entries.msOfDay[i]!, entries.seq[i]!, entries.type[i]!),
        entries.contentHash[i]!,
      );
    }
  }

  /** Stored content hash, or undefined when the identity is not stored. */
  get(msOfDay: number, seq: number, type: number): number | undefined {
    return this.byIdentity.get(identityKey(msOfDay, seq, type));
  }
}
