import type { Hash128 } from './hash';

/**
 * A set fingerprint: the sum mod 2^128 of the 128-bit hashes of its members. Addition commutes,
 * so the fingerprint of a day does not depend on the order events were stored in, and a commit
 * extends it by adding only the hashes of the events it adds.
 * Four u32 limbs, least significant first; mutable on purpose (the parser adds ~1.1 M hashes).
 */
export type Fingerprint = Uint32Array;

export function emptyFingerprint(): Fingerprint {
  return new Uint32Array(4);
}

/** fp += hash (mod 2^128), in place. */
export function addHash(fp: Fingerprint, hash: Readonly<Hash128> | Fingerprint): Fingerprint {
  let carry = 0;
  for (let i = 0; i < 4; i++) {
    const sum = fp[i]! + hash[i]! + carry;
    fp[i] = sum >>> 0;
    carry = sum > 0xffffffff ? 1 : 0;
  }
  return fp;
}

/** 32 lower-case hex digits, most significant first (the stored form). */
export function fingerprintToHex(fp: Fingerprint): string {
  let text = '';
  for (let i = 3; i >= 0; i--) text += fp[i]!.toString(16).padStart(8, '0');
  return text;
}

export function fingerprintFromHex(hex: string): Fingerprint {
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError(`not a 128-bit hex fingerprint: "${hex}"`);
  const fp = emptyFingerprint();
  for (let i = 0; i < 4; i++) fp[3 - i] = Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  return fp;
}

export function fingerprintsEqual(a: Fingerprint, b: Fingerprint): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}
