import * as os from 'node:os';
import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the one zlib computes.
 * `crc32Js` is a slicing-by-8 implementation so the codec runs anywhere; `crc32` prefers node's
 * native zlib.crc32 (Node >= 20.15 / 22.2), which is about three times faster on large dumps.
 */

const TABLES: Int32Array = buildTables();
const LITTLE_ENDIAN_HOST = os.endianness() === 'LE';

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/** One byte at a time; used for unaligned heads and tails. Returns the inverted running state. */
function bytewise(t: Int32Array, bytes: Uint8Array, start: number, end: number, state: number): number {
  let c = state;
  for (let i = start; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c;
}

/**
 * Slicing-by-8 over aligned 32-bit words. Reading words through an Int32Array instead of
 * assembling them from bytes is what makes this ~1.5 GB/s; it relies on a little-endian host.
 */
function wordwise(t: Int32Array, bytes: Uint8Array, start: number, end: number, state: number): number {
  let c = state;
  let i = start;
  const misalignment = (bytes.byteOffset + i) & 3;
  const head = Math.min(end - i, misalignment === 0 ? 0 : 4 - misalignment);
  c = bytewise(t, bytes, i, i + head, c);
  i += head;
  const words = ((end - i) >>> 3) << 1;
  if (words === 0) return bytewise(t, bytes, i, end, c);
  const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
  for (let j = 0; j < words; j += 2) {
    const a = w[j]! ^ c;
    const b = w[j + 1]!;
    c =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + (b & 0xff)]! ^
      t[512 + ((b >>> 8) & 0xff)]! ^
      t[256 + ((b >>> 16) & 0xff)]! ^
      t[b >>> 24]!;
  }
  i += words * 4;
  return bytewise(t, bytes, i, end, c);
}

/**
 * Pure-JS CRC-32 of `bytes[start, end)`, continuing from `previous` (a finished CRC, 0 to start).
 * `mode` exists so tests can exercise the big-endian fallback on a little-endian machine.
 */
export function crc32Js(
  bytes: Uint8Array,
  start = 0,
  end = bytes.length,
  previous = 0,
  mode: 'auto' | 'bytewise' = 'auto',
): number {
  const state = ~previous;
  const c =
    mode === 'auto' && LITTLE_ENDIAN_HOST
      ? wordwise(TABLES, bytes, start, end, state)
      : bytewise(TABLES, bytes, start, end, state);
  return ~c >>> 0;
}

type NativeCrc32 = (data: Uint8Array, value?: number) => number;

/** node's zlib.crc32 when this runtime has it, otherwise undefined. */
export const nativeCrc32: NativeCrc32 | undefined = (() => {
  const candidate = (zlib as unknown as { crc32?: unknown }).crc32;
  return typeof candidate === 'function' ? (candidate as NativeCrc32) : undefined;
})();

/** CRC-32 of `bytes[start, end)`: native when available, otherwise the JS implementation. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (nativeCrc32 === undefined) return crc32Js(bytes, start, end);
  const view = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  return nativeCrc32(view, 0) >>> 0;
}
