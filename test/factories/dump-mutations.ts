/**
 * fast-check arbitraries for bad input: valid MDMP/1 dumps of varied shape (headerSize, recordSize,
 * record count, ids) and mutations of them, each with what the spec says must become of it. Shared
 * by the parser fuzz tests and bench/fuzz-parser.ts so the bench fuzzes exactly what the tests do.
 */
import fc from 'fast-check';
import {
  crc32,
  decodeDump,
  DUMP_ERROR_CODES,
  DumpRejectedError,
  toDumpEvents,
  type DecodedDump,
  type DumpErrorCode,
} from '../../lambdas/core/dump';
import { rawDump, type RawRecord } from './dumps';

export const FUZZ_CREATED_AT = Date.UTC(2024, 2, 12, 8, 30);
/** A processing time at which no in-range event of a fuzz dump has expired. */
export const FUZZ_NOW = FUZZ_CREATED_AT + 86_400_000;

/** What the spec requires of a mutated dump. */
export type Expectation =
  /** Must be accepted with the same events as the untouched dump (the header gap is ignored). */
  | { readonly kind: 'accepted-as-base' }
  /** Must be rejected; `code`, when set, is the only code the spec allows. */
  | { readonly kind: 'rejected'; readonly code?: DumpErrorCode }
  /** The spec allows either outcome; only the invariants apply. */
  | { readonly kind: 'either' };

export interface FuzzCase {
  readonly label: string;
  readonly base: Uint8Array;
  readonly bytes: Uint8Array;
  readonly expect: Expectation;
}

interface BaseDump {
  readonly bytes: Uint8Array;
  readonly headerSize: number;
  readonly recordSize: number;
}

const idChars = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 16,
});

const record: fc.Arbitrary<RawRecord> = fc.record({
  // Mostly within the retention window before createdAt; sometimes anything, which may reject the
  // record (R_TIME_RANGE) but never the dump.
  timestamp: fc.oneof(
    {
      weight: 9,
      arbitrary: fc.integer({ min: FUZZ_CREATED_AT - 300 * 86_400_000, max: FUZZ_CREATED_AT }).map(BigInt),
    },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) },
  ),
  seq: fc.nat({ max: 0xffffffff }),
  type: fc.integer({ min: 1, max: 10 }),
  flags: fc.nat({ max: 0xffff }),
  value: fc.double({ noNaN: true, noDefaultInfinity: true }),
  duration: fc.nat({ max: 0xffffffff }),
});

/** A valid dump: header 64..128 bytes (the gap filled with noise), records of 32..64 bytes. */
export const validDump: fc.Arbitrary<BaseDump> = fc
  .record({
    headerSize: fc.oneof(fc.constant(64), fc.integer({ min: 65, max: 128 })),
    recordSize: fc.oneof(fc.constant(32), fc.integer({ min: 33, max: 64 })),
    deviceId: idChars,
    patientId: idChars,
    records: fc.array(record, { maxLength: 12 }),
    gapSeed: fc.nat(),
  })
  .map(({ headerSize, recordSize, deviceId, patientId, records, gapSeed }) => {
    const gap = Uint8Array.from({ length: headerSize - 64 }, (_, i) => (gapSeed + i * 31) & 0xff);
    const extraLength = recordSize - 32;
    const bytes = rawDump({
      headerSize,
      recordSize,
      deviceId,
      patientId,
      createdAt: BigInt(FUZZ_CREATED_AT),
      headerGap: gap,
      records: records.map((r, i) => ({
        ...r,
        extra: Uint8Array.from({ length: extraLength }, (_, j) => (i + j) & 0xff),
      })),
    });
    return { bytes, headerSize, recordSize };
  });

/** Recomputes the header CRC, and the body CRC where the (patched) header still locates one. */
export function reseal(bytes: Uint8Array): void {
  if (bytes.length < 64) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(60, crc32(bytes, 0, 60), true);
  const bodyStart = view.getUint16(6, true);
  const bodyEnd = bodyStart + view.getUint32(12, true) * view.getUint16(8, true);
  if (bodyStart >= 64 && bodyEnd + 8 <= bytes.length) {
    view.setUint32(bodyEnd + 4, crc32(bytes, bodyStart, bodyEnd), true);
  }
}

type HeaderField = {
  readonly name: string;
  readonly offset: number;
  readonly width: 1 | 2 | 4 | 8;
  readonly values: fc.Arbitrary<number | bigint>;
  /** The code the spec requires when only this field changed (CRC resealed) to `value`. */
  readonly code: (value: number | bigint) => Expectation;
};

const either: Expectation = { kind: 'either' };
const HEADER_FIELDS: readonly HeaderField[] = [
  {
    name: 'version',
    offset: 4,
    width: 2,
    values: fc.nat({ max: 0xffff }),
    code: (v) => (v === 1 ? either : { kind: 'rejected', code: 'E_VERSION' }),
  },
  {
    name: 'headerSize',
    offset: 6,
    width: 2,
    values: fc.oneof(fc.nat({ max: 63 }), fc.nat({ max: 0xffff })),
    code: (v) => (Number(v) < 64 ? { kind: 'rejected', code: 'E_HEADER_SIZE' } : either),
  },
  {
    name: 'recordSize',
    offset: 8,
    width: 2,
    values: fc.oneof(fc.nat({ max: 31 }), fc.nat({ max: 0xffff })),
    code: (v) => (Number(v) < 32 ? { kind: 'rejected', code: 'E_RECORD_SIZE' } : either),
  },
  { name: 'flags', offset: 10, width: 2, values: fc.nat({ max: 0xffff }), code: () => either },
  {
    name: 'recordCount',
    offset: 12,
    width: 4,
    values: fc.oneof(fc.nat({ max: 40 }), fc.integer({ min: 2_000_001, max: 0xffffffff })),
    code: (v) => (Number(v) > 2_000_000 ? { kind: 'rejected', code: 'E_TOO_LARGE' } : either),
  },
  // An id byte outside 0x21..0x7E (NUL aside) is always E_IDENTITY; others may still be valid.
  {
    name: 'deviceId[0]',
    offset: 16,
    width: 1,
    values: fc.nat({ max: 0xff }),
    code: (v) => (Number(v) >= 0x21 && Number(v) <= 0x7e ? either : { kind: 'rejected', code: 'E_IDENTITY' }),
  },
  { name: 'patientId[k]', offset: 32, width: 1, values: fc.nat({ max: 0xff }), code: () => either },
  {
    name: 'createdAt',
    offset: 48,
    width: 8,
    values: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    code: () => either,
  },
  { name: 'firmware', offset: 56, width: 4, values: fc.nat({ max: 0xffffffff }), code: () => either },
];

function writeField(bytes: Uint8Array, field: HeaderField, value: number | bigint): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (field.width === 1) view.setUint8(field.offset, Number(value));
  else if (field.width === 2) view.setUint16(field.offset, Number(value), true);
  else if (field.width === 4) view.setUint32(field.offset, Number(value), true);
  else view.setBigUint64(field.offset, BigInt(value), true);
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

function headerEdit(base: BaseDump): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      field: fc.constantFrom(...HEADER_FIELDS),
      sealed: fc.boolean(),
    })
    .chain(({ field, sealed }) =>
      field.values.map((value) => {
        const bytes = base.bytes.slice();
        writeField(bytes, field, value);
        const changed = !sameBytes(bytes, base.bytes);
        if (sealed) reseal(bytes);
        const expect: Expectation = !changed
          ? { kind: 'accepted-as-base' }
          : sealed
            ? field.code(value)
            : // The header CRC covers offsets 0..59, so an unsealed edit is rejected (E_VERSION may come first).
              { kind: 'rejected' };
        return {
          label: `header ${field.name}=${String(value)}${sealed ? ' (resealed)' : ''}`,
          base: base.bytes,
          bytes,
          expect,
        };
      }),
    );
}

function bitFlip(base: BaseDump): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      offset: fc.nat({ max: base.bytes.length - 1 }),
      mask: fc.integer({ min: 1, max: 0xff }),
      sealed: fc.boolean(),
    })
    .map(({ offset, mask, sealed }) => {
      const bytes = base.bytes.slice();
      bytes[offset] = bytes[offset]! ^ mask;
      if (sealed) reseal(bytes);
      const inGap = offset >= 64 && offset < base.headerSize;
      // Unsealed, every byte but the header gap is covered by a CRC or a magic.
      const expect: Expectation = inGap
        ? { kind: 'accepted-as-base' }
        : sealed
          ? either
          : { kind: 'rejected' };
      return {
        label: `flip 0x${mask.toString(16)} at ${offset}${sealed ? ' (resealed)' : ''}`,
        base: base.bytes,
        bytes,
        expect,
      };
    });
}

function truncation(base: BaseDump): fc.Arbitrary<FuzzCase> {
  return fc.integer({ min: 1, max: base.bytes.length }).map((cut) => ({
    label: `truncated by ${cut}`,
    base: base.bytes,
    bytes: base.bytes.slice(0, base.bytes.length - cut),
    expect: { kind: 'rejected', ...(base.bytes.length - cut < 72 ? { code: 'E_TOO_SHORT' } : {}) },
  }));
}

function extension(base: BaseDump): fc.Arbitrary<FuzzCase> {
  return fc.uint8Array({ minLength: 1, maxLength: 96 }).map((extra) => {
    const bytes = new Uint8Array(base.bytes.length + extra.length);
    bytes.set(base.bytes);
    bytes.set(extra, base.bytes.length);
    return {
      label: `extended by ${extra.length}`,
      base: base.bytes,
      bytes,
      expect: { kind: 'rejected', code: 'E_TRAILING_DATA' },
    };
  });
}

function overwrite(base: BaseDump): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      at: fc.nat({ max: base.bytes.length - 1 }),
      noise: fc.uint8Array({ minLength: 1, maxLength: 24 }),
    })
    .map(({ at, noise }) => {
      const bytes = base.bytes.slice();
      bytes.set(noise.subarray(0, bytes.length - at), at);
      return { label: `${noise.length} random bytes at ${at}`, base: base.bytes, bytes, expect: either };
    });
}

/** A valid dump, untouched or mutated one way. */
export const mutatedDump: fc.Arbitrary<FuzzCase> = validDump.chain((base) =>
  fc.oneof(
    {
      weight: 1,
      arbitrary: fc.constant<FuzzCase>({
        label: 'valid',
        base: base.bytes,
        bytes: base.bytes,
        expect: { kind: 'accepted-as-base' },
      }),
    },
    { weight: 3, arbitrary: bitFlip(base) },
    { weight: 2, arbitrary: truncation(base) },
    { weight: 1, arbitrary: extension(base) },
    { weight: 3, arbitrary: headerEdit(base) },
    { weight: 1, arbitrary: overwrite(base) },
  ),
);

/** Random buffers, some starting with the right magic so they get past the first checks. */
export const randomBuffer: fc.Arbitrary<FuzzCase> = fc
  .record({ bytes: fc.uint8Array({ maxLength: 600 }), magic: fc.boolean() })
  .map(({ bytes, magic }) => {
    const copy = bytes.slice();
    if (magic && copy.length >= 6) copy.set([0x4d, 0x44, 0x4d, 0x50, 1, 0]);
    return {
      label: `random ${copy.length} bytes${magic ? ' with magic' : ''}`,
      base: copy,
      bytes: copy,
      expect: copy.length < 72 ? { kind: 'rejected', code: 'E_TOO_SHORT' } : either,
    };
  });

/** The whole fuzz input: mostly mutated valid dumps, some pure noise. */
export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 9, arbitrary: mutatedDump },
  { weight: 1, arbitrary: randomBuffer },
);

export type Verdict =
  | { readonly kind: 'accepted'; readonly decoded: DecodedDump }
  | { readonly kind: 'rejected'; readonly code: DumpErrorCode };

/**
 * Decodes a fuzz case and checks it against the spec: decodeDump returns or throws
 * DumpRejectedError with a whole-dump code, honours the case's expectation, and an accepted dump
 * accounts for every record. Returns a description of the first broken rule, or the verdict.
 */
export function judgeDecode(fuzz: FuzzCase): { readonly verdict: Verdict } | { readonly failure: string } {
  let verdict: Verdict;
  try {
    verdict = { kind: 'accepted', decoded: decodeDump(fuzz.bytes) };
  } catch (error) {
    if (!(error instanceof DumpRejectedError)) return { failure: `threw ${String(error)}` };
    if (!DUMP_ERROR_CODES.includes(error.code))
      return { failure: `rejected with unknown code ${error.code}` };
    if (error.message.length < 20) return { failure: `rejection message too terse: ${error.message}` };
    verdict = { kind: 'rejected', code: error.code };
  }
  const { expect } = fuzz;
  if (expect.kind === 'rejected') {
    if (verdict.kind !== 'rejected') return { failure: 'accepted, but the spec requires a rejection' };
    if (expect.code !== undefined && verdict.code !== expect.code) {
      return { failure: `rejected with ${verdict.code}, the spec requires ${expect.code}` };
    }
  }
  if (verdict.kind === 'accepted') {
    const { header, events, rejectedRecords } = verdict.decoded;
    const expectedLength = header.headerSize + header.recordCount * header.recordSize + 8;
    if (expectedLength !== fuzz.bytes.length) {
      return { failure: `accepted a ${fuzz.bytes.length}-byte file whose header implies ${expectedLength}` };
    }
    const accounted = events.length + rejectedRecords.R_TIME_RANGE + rejectedRecords.R_VALUE;
    if (accounted !== header.recordCount) {
      return { failure: `accounted for ${accounted} of ${header.recordCount} records` };
    }
    if (expect.kind === 'accepted-as-base') {
      const base = decodeDump(fuzz.base);
      const same =
        JSON.stringify(toDumpEvents(verdict.decoded.events)) === JSON.stringify(toDumpEvents(base.events)) &&
        header.patientId === base.header.patientId &&
        header.deviceId === base.header.deviceId;
      if (!same) return { failure: 'decoded differently from the untouched dump' };
    }
  } else if (expect.kind === 'accepted-as-base') {
    return { failure: `rejected with ${verdict.code}, but the spec requires acceptance` };
  }
  return { verdict };
}
