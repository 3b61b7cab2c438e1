/**
 * Non-cryptographic hashes over one event, in pure JS (Math.imul, u32 words). The parser hashes
 * every record of a dump (up to ~1.1 million), so these avoid allocation and byte loops.
 *
 * An event is hashed as 24 little-endian bytes = six u32 words:
 *   w0 msOfDay, w1 seq, w2 type | flags << 16, w3 value bits low, w4 value bits high, w5 duration
 * i.e. the 10-byte identity within its device-day followed by the 14 content bytes the spec
 * compares (flags, value, duration). patientId, deviceId and day are constant per device-day and
 * enter through the seed (daySeed).
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 128-bit hash as four u32 limbs, least significant first. */
export type Hash128 = [number, number, number, number];

/**
 * MurmurHash3_x86_128 of the 24 bytes w0..w5 (little-endian), specialised to that length:
 * one 16-byte block and an 8-byte tail. Writes the result into `out` (no allocation).
 */
export function murmur3x86_128Words(
  w0: number,
  w1: number,
  w2: number,
  w3: number,
  w4: number,
  w5: number,
  seed: number,
  out: Hash128,
): Hash128 {
  let h1 = seed | 0;
  let h2 = seed | 0;
  let h3 = seed | 0;
  let h4 = seed | 0;

  let k1 = Math.imul(rotl(Math.imul(w0, C1), 15), C2);
  h1 ^= k1;
  h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
  let k2 = Math.imul(rotl(Math.imul(w1, C2), 16), C3);
  h2 ^= k2;
  h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
  const k3 = Math.imul(rotl(Math.imul(w2, C3), 17), C4);
  h3 ^= k3;
  h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
  const k4 = Math.imul(rotl(Math.imul(w3, C4), 18), C1);
  h4 ^= k4;
  h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;

  // Tail of 8 bytes: w4 feeds k1, w5 feeds k2.
  k2 = Math.imul(rotl(Math.imul(w5, C2), 16), C3);
  h2 ^= k2;
  k1 = Math.imul(rotl(Math.imul(w4, C1), 15), C2);
  h1 ^= k1;

  h1 ^= 24;
  h2 ^= 24;
  h3 ^= 24;
  h4 ^= 24;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  out[0] = h1 >>> 0;
  out[1] = h2 >>> 0;
  out[2] = h3 >>> 0;
  out[3] = h4 >>> 0;
  return out;
}

/** MurmurHash3_x86_32 over arbitrary bytes (used for seeds, not per event). */
export function murmur3x86_32(bytes: Uint8Array, seed = 0): number {
  let h = seed | 0;
  const blocks = bytes.length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24);
    k = Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
    h ^= k;
    h = (Math.imul(rotl(h, 13), 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  const rest = bytes.length & 3;
  if (rest > 0) {
    let k = 0;
    if (rest === 3) k ^= bytes[tail + 2]! << 16;
    if (rest >= 2) k ^= bytes[tail + 1]! << 8;
    k ^= bytes[tail]!;
    k = Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
    h ^= k;
  }
  h ^= bytes.length;
  return fmix32(h);
}

/** Seed for one device-day: folds (patientId, deviceId, dayNumber) into every event hash of that day. */
export function daySeed(patientId: string, deviceId: string, dayNumber: number): number {
  return murmur3x86_32(Buffer.from(`${patientId}\0${deviceId}\0${dayNumber}`, 'latin1'));
}

// Reading a double's bit pattern as two u32 words without allocating.
const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LOW = LITTLE_ENDIAN ? 0 : 1;
const HIGH = LITTLE_ENDIAN ? 1 : 0;

/** Low and high u32 words of a double's IEEE-754 bits (so -0 and 0 differ, as the spec's bytes do). */
export function doubleWords(value: number): [low: number, high: number] {
  scratchF64[0] = value;
  return [scratchU32[LOW]!, scratchU32[HIGH]!];
}

/** The 128-bit (identity, content) hash of one event. */
export function eventHash(
  msOfDay: number,
  seq: number,
  type: number,
  flags: number,
  value: number,
  duration: number,
  seed: number,
  out: Hash128,
): Hash128 {
  scratchF64[0] = value;
  return murmur3x86_128Words(
    msOfDay,
    seq,
    (type | (flags << 16)) >>> 0,
    scratchU32[LOW]!,
    scratchU32[HIGH]!,
    duration,
    seed,
    out,
  );
}
