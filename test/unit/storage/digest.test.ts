import fc from 'fast-check';
import {
  allocateDigestEntries,
  decodeDigestPage,
  DigestFormatError,
  DigestIndex,
  encodeDigestPage,
} from '../../../lambdas/core/storage/digest';

const entry = fc.record({
  msOfDay: fc.integer({ min: 0, max: 86_399_999 }),
  seq: fc.nat({ max: 0xffffffff }),
  type: fc.nat({ max: 0xffff }),
  contentHash: fc.nat({ max: 0xffffffff }),
});

function entriesOf(list: { msOfDay: number; seq: number; type: number; contentHash: number }[]) {
  const entries = allocateDigestEntries(list.length);
  list.forEach((e, i) => {
    entries.msOfDay[i] = e.msOfDay;
    entries.seq[i] = e.seq;
    entries.type[i] = e.type;
    entries.contentHash[i] = e.contentHash;
  });
  return entries;
}

describe('digest page', () => {
  it('round-trips any set of entries (sorted by identity)', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 200 }), (list) => {
        const decoded = decodeDigestPage(encodeDigestPage(entriesOf(list)));
        const sorted = [...list].sort((a, b) => a.msOfDay - b.msOfDay || a.seq - b.seq || a.type - b.type);
        expect(decoded.length).toBe(list.length);
        sorted.forEach((e, i) => {
          expect([decoded.msOfDay[i], decoded.seq[i], decoded.type[i], decoded.contentHash[i]]).toEqual([
            e.msOfDay,
            e.seq,
            e.type,
            e.contentHash,
          ]);
        });
      }),
    );
  });

  it('takes about 9 bytes per entry for a typical day (3,000 events, rising seq)', () => {
    const list = Array.from({ length: 3000 }, (_, i) => ({
      msOfDay: i * 28_800 + (i % 7),
      seq: 5_000_000 + i,
      type: (i % 10) + 1,
      contentHash: (i * 2_654_435_761) >>> 0,
    }));
    const bytes = encodeDigestPage(entriesOf(list));
    expect(bytes.length).toBeLessThan(3000 * 10);
    expect(bytes.length).toBeGreaterThan(3000 * 8);
  });

  it('rejects corrupt pages with a DigestFormatError', () => {
    expect(() => decodeDigestPage(new Uint8Array([2, 0]))).toThrow(DigestFormatError);
    const bytes = encodeDigestPage(entriesOf([{ msOfDay: 5, seq: 6, type: 7, contentHash: 8 }]));
    expect(() => decodeDigestPage(bytes.subarray(0, bytes.length - 1))).toThrow(DigestFormatError);
    expect(() => decodeDigestPage(new Uint8Array([...bytes, 0]))).toThrow(DigestFormatError);
  });
});

describe('DigestIndex', () => {
  it('finds stored identities across pages with their content hash', () => {
    const index = new DigestIndex();
    index.addPage(entriesOf([{ msOfDay: 1, seq: 2, type: 3, contentHash: 44 }]));
    index.addPage(entriesOf([{ msOfDay: 1, seq: 2, type: 4, contentHash: 55 }]));
    expect(index.size).toBe(2);
    expect(index.get(1, 2, 3)).toBe(44);
    expect(index.get(1, 2, 4)).toBe(55);
    expect(index.get(1, 3, 3)).toBeUndefined();
  });
});
