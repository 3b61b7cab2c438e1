import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { crc32, crc32Js, nativeCrc32 } from '../../../lambdas/core/dump';

const ascii = (text: string) => new TextEncoder().encode(text);

describe('crc32', () => {
  it('gives the IEEE check value cbf43926 for "123456789"', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32Js(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32Js(ascii('123456789'), 0, 9, 0, 'bytewise')).toBe(0xcbf43926);
  });

  it('is 0 for no bytes', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32Js(new Uint8Array(0))).toBe(0);
  });

  it('covers exactly [start, end)', () => {
    const bytes = ascii('xx123456789yy');
    expect(crc32(bytes, 2, 11)).toBe(0xcbf43926);
    expect(crc32Js(bytes, 2, 11)).toBe(0xcbf43926);
  });

  it('continues from a previous CRC like zlib does', () => {
    const bytes = ascii('123456789');
    expect(crc32Js(bytes, 4, 9, crc32Js(bytes, 0, 4))).toBe(0xcbf43926);
  });

  it('returns unsigned numbers', () => {
    expect(crc32Js(ascii('a'))).toBe(0xe8b7be43);
  });

  it('uses the native zlib.crc32 of this Node version when it exists', () => {
    const native = (zlib as unknown as { crc32?: unknown }).crc32;
    expect(nativeCrc32).toBe(typeof native === 'function' ? native : undefined);
  });

  it('JS word-wise, JS byte-wise and native agree on any bytes, offsets and alignments', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(7), fc.nat(300), (data, shift, cut) => {
        // Shift the data inside a larger buffer so every byteOffset alignment is exercised.
        const host = new Uint8Array(data.length + 8);
        host.set(data, shift);
        const bytes = host.subarray(shift, shift + data.length);
        const end = Math.min(cut, bytes.length);
        const expected =
          nativeCrc32 !== undefined
            ? nativeCrc32(bytes.subarray(0, end), 0) >>> 0
            : crc32Js(bytes, 0, end, 0, 'bytewise');
        expect(crc32Js(bytes, 0, end)).toBe(expected);
        expect(crc32Js(bytes, 0, end, 0, 'bytewise')).toBe(expected);
        expect(crc32(bytes, 0, end)).toBe(expected);
      }),
    );
  });

  it('agrees with native on a multi-megabyte buffer', () => {
    const big = new Uint8Array(3_000_001);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    expect(crc32Js(big)).toBe(crc32Js(big, 0, big.length, 0, 'bytewise'));
    if (nativeCrc32 !== undefined) expect(crc32Js(big)).toBe(nativeCrc32(big, 0) >>> 0);
  });
});
