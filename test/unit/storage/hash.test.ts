import fc from 'fast-check';
import {
  daySeed,
  eventHash,
  murmur3x86_128Words,
  murmur3x86_32,
  type Hash128,
} from '../../../lambdas/core/storage/hash';
import {
  addHash,
  emptyFingerprint,
  fingerprintFromHex,
  fingerprintToHex,
  fingerprintsEqual,
} from '../../../lambdas/core/storage/fingerprint';

/** Reference MurmurHash3_x86_128 over bytes, written independently of the specialised one. */
function referenceX86_128(data: Uint8Array, seed: number): Hash128 {
  const c = [0x239b961b, 0xab0e9789, 0x38b34ae5, 0xa1e38b93];
  const rot = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
  const mul = (a: number, b: number) => Math.imul(a, b) >>> 0;
  const fmix = (h: number) => {
    h = mul(h ^ (h >>> 16), 0x85ebca6b);
    h = mul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  const h = [seed >>> 0, seed >>> 0, seed >>> 0, seed >>> 0];
  const word = (o: number) =>
    (data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24)) >>> 0;
  const rots = [15, 16, 17, 18];
  const hrots = [19, 17, 15, 13];
  const adds = [0x561ccd1b, 0x0bcaa747, 0x96cd1c35, 0x32ac3b17];
  const blocks = Math.floor(data.length / 16);
  for (let b = 0; b < blocks; b++) {
    for (let j = 0; j < 4; j++) {
      let k = word(b * 16 + j * 4);
      k = mul(rot(mul(k, c[j]!), rots[j]!), c[(j + 1) % 4]!);
      h[j] = (h[j]! ^ k) >>> 0;
      h[j] = (mul((rot(h[j]!, hrots[j]!) + h[(j + 1) % 4]!) >>> 0, 5) + adds[j]!) >>> 0;
    }
  }
  const tail = data.subarray(blocks * 16);
  const k = [0, 0, 0, 0];
  for (let i = tail.length - 1; i >= 0; i--) k[i >> 2] = (k[i >> 2]! ^ (tail[i]! << ((i & 3) * 8))) >>> 0;
  for (let j = 3; j >= 0; j--) {
    if (tail.length > j * 4) h[j] = (h[j]! ^ mul(rot(mul(k[j]!, c[j]!), rots[j]!), c[(j + 1) % 4]!)) >>> 0;
  }
  for (let j = 0; j < 4; j++) h[j] = (h[j]! ^ data.length) >>> 0;
  h[0] = (h[0]! + h[1]! + h[2]! + h[3]!) >>> 0;
  for (let j = 1; j < 4; j++) h[j] = (h[j]! + h[0]!) >>> 0;
  for (let j = 0; j < 4; j++) h[j] = fmix(h[j]!);
  h[0] = (h[0]! + h[1]! + h[2]! + h[3]!) >>> 0;
  for (let j = 1; j < 4; j++) h[j] = (h[j]! + h[0]!) >>> 0;
  return h as Hash128;
}

describe('murmur3x86_128Words', () => {
  it('the reference passes SMHasher verification (0xB3ECE62A)', () => {
    const key = new Uint8Array(256);
    const hashes = new Uint8Array(256 * 16);
    for (let i = 0; i < 256; i++) {
      key[i] = i;
      const h = referenceX86_128(key.subarray(0, i), 256 - i);
      const view = new DataView(hashes.buffer, i * 16, 16);
      h.forEach((w, j) => view.setUint32(j * 4, w, true));
    }
    expect(referenceX86_128(hashes, 0)[0]).toBe(0xb3ece62a);
  });

  it('equals MurmurHash3_x86_128 of the 24 little-endian bytes', () => {
    const u32 = fc.nat({ max: 0xffffffff });
    fc.assert(
      fc.property(fc.array(u32, { minLength: 6, maxLength: 6 }), u32, (words, seed) => {
        const bytes = new Uint8Array(24);
        const view = new DataView(bytes.buffer);
        words.forEach((w, i) => view.setUint32(i * 4, w, true));
        const [w0, w1, w2, w3, w4, w5] = words as [number, number, number, number, number, number];
        const actual = murmur3x86_128Words(w0, w1, w2, w3, w4, w5, seed, [0, 0, 0, 0]);
        expect(actual).toEqual(referenceX86_128(bytes, seed));
      }),
    );
  });
});

describe('murmur3x86_32', () => {
  it('matches published vectors', () => {
    expect(murmur3x86_32(new Uint8Array(0), 0)).toBe(0);
    expect(murmur3x86_32(new Uint8Array(0), 1)).toBe(0x514e28b7);
    expect(murmur3x86_32(Buffer.from('hello'), 0)).toBe(0x248bfa47);
    expect(murmur3x86_32(Buffer.from('The quick brown fox jumps over the lazy dog'), 0)).toBe(0x2e4ff723);
  });
});

describe('eventHash', () => {
  const seed = daySeed('PAT', 'DEV', 19_783);

  it('distinguishes -0 from 0 and every content field', () => {
    const base = eventHash(1, 2, 3, 4, 0, 6, seed, [0, 0, 0, 0]);
    expect(eventHash(1, 2, 3, 4, -0, 6, seed, [0, 0, 0, 0])).not.toEqual(base);
    expect(eventHash(1, 2, 3, 5, 0, 6, seed, [0, 0, 0, 0])).not.toEqual(base);
    expect(eventHash(1, 2, 3, 4, 0, 7, seed, [0, 0, 0, 0])).not.toEqual(base);
    expect(eventHash(1, 2, 3, 4, 0, 6, seed, [0, 0, 0, 0])).toEqual(base);
  });

  it('depends on the device-day through the seed', () => {
    expect(daySeed('PAT', 'DEV', 19_783)).not.toBe(daySeed('PAT', 'DEV', 19_784));
    expect(daySeed('PAT', 'DEV', 1)).not.toBe(daySeed('PA', 'TDEV', 1));
  });
});

describe('fingerprint', () => {
  const hash = fc.tuple(
    fc.nat({ max: 0xffffffff }),
    fc.nat({ max: 0xffffffff }),
    fc.nat({ max: 0xffffffff }),
    fc.nat({ max: 0xffffffff }),
  );
  const toBig = (h: readonly number[]) => h.reduce((acc, w, i) => acc + (BigInt(w) << BigInt(32 * i)), 0n);

  it('is the sum of the hashes mod 2^128, whatever the order', () => {
    fc.assert(
      fc.property(fc.array(hash, { maxLength: 30 }), fc.func(fc.integer()), (hashes, order) => {
        const a = emptyFingerprint();
        for (const h of hashes) addHash(a, h);
        const shuffled = [...hashes].sort((x, y) => order(x) - order(y));
        const b = emptyFingerprint();
        for (const h of shuffled) addHash(b, h);
        const expected = hashes.reduce((acc, h) => (acc + toBig(h)) % (1n << 128n), 0n);
        return fingerprintsEqual(a, b) && BigInt(`0x${fingerprintToHex(a)}`) === expected;
      }),
    );
  });

  it('round-trips through its hex form', () => {
    fc.assert(
      fc.property(hash, (h) => {
        const fp = addHash(emptyFingerprint(), h);
        return fingerprintsEqual(fingerprintFromHex(fingerprintToHex(fp)), fp);
      }),
    );
    expect(() => fingerprintFromHex('xyz')).toThrow(RangeError);
  });
});
