import fc from 'fast-check';
import {
  decodeDump,
  DUMP_ERROR_CODES,
  DumpRejectedError,
  encodeDump,
  exactTimestamp,
  toDumpEvents,
  type DecodedDump,
  type DumpEvent,
} from '../../../lambdas/core/dump';
import { corrupt, rawDump, type RawRecord } from '../../factories/dumps';

const FLOOR = 946_684_800_000;
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const CREATED_AT = Date.UTC(2030, 0, 1);
const LIMIT = CREATED_AT + 86_400_000;

/** decodeDump either succeeds or throws DumpRejectedError with a spec code; anything else fails the property. */
function decodeOrRejection(bytes: Uint8Array): DecodedDump | DumpRejectedError {
  try {
    return decodeDump(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(DumpRejectedError);
    expect(DUMP_ERROR_CODES).toContain((error as DumpRejectedError).code);
    expect((error as Error).message.length).toBeGreaterThan(20);
    return error as DumpRejectedError;
  }
}

const validEvent: fc.Arbitrary<DumpEvent> = fc.record({
  timestamp: fc.integer({ min: FLOOR, max: LIMIT }),
  seq: fc.nat({ max: 0xffffffff }),
  type: fc.nat({ max: 0xffff }),
  flags: fc.nat({ max: 0xffff }),
  value: fc.double({ noNaN: true, noDefaultInfinity: true }),
  duration: fc.nat({ max: 0xffffffff }),
});

const ids = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 16,
});

const anyRecord: fc.Arbitrary<RawRecord> = fc.record({
  timestamp: u64,
  seq: fc.nat({ max: 0xffffffff }),
  type: fc.nat({ max: 0xffff }),
  valueBits: u64,
});

describe('decodeDump properties', () => {
  it('random bytes are rejected with a spec code or decoded, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        decodeOrRejection(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes behind a valid magic and version are handled the same way', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 400 }), (tail) => {
        const bytes = new Uint8Array(6 + tail.length);
        bytes.set([0x4d, 0x44, 0x4d, 0x50, 1, 0]);
        bytes.set(tail, 6);
        decodeOrRejection(corrupt(bytes, () => undefined, { resealHeader: bytes.length >= 64 }));
      }),
      { numRuns: 300 },
    );
  });

  it('mutated valid dumps (bytes changed, cut or appended, CRCs resealed or not) never throw anything else', () => {
    const dumpArb = fc.record({
      records: fc.array(anyRecord, { maxLength: 8 }),
      recordSize: fc.constantFrom(32, 33, 40),
      headerSize: fc.constantFrom(64, 65, 80),
      createdAt: u64,
    });
    const mutation = fc.record({
      edits: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 4 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      append: fc.uint8Array({ maxLength: 4 }),
      reseal: fc.boolean(),
    });
    fc.assert(
      fc.property(dumpArb, mutation, (spec, m) => {
        const original = rawDump(spec);
        let bytes = corrupt(
          original,
          (_v, b) => {
            for (const [at, value] of m.edits) b[at % b.length] = value;
          },
          { resealHeader: m.reseal },
        );
        if (m.reseal) {
          try {
            bytes = corrupt(bytes, () => undefined, { resealBody: true });
          } catch {
            // The edit made the header describe a body beyond the file: leave the CRC as it is.
          }
        }
        if (m.cut !== undefined) bytes = bytes.subarray(0, m.cut % (bytes.length + 1));
        if (m.append.length > 0) bytes = Uint8Array.from([...bytes, ...m.append]);
        const result = decodeOrRejection(bytes);
        if (!(result instanceof DumpRejectedError)) {
          const { R_TIME_RANGE, R_VALUE } = result.rejectedRecords;
          expect(result.events.length + R_TIME_RANGE + R_VALUE).toBe(result.header.recordCount);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips arbitrary valid events and ids: decode(encode(x)) is x, grouped by day', () => {
    fc.assert(
      fc.property(fc.array(validEvent, { maxLength: 60 }), ids, ids, (events, deviceId, patientId) => {
        const decoded = decodeDump(encodeDump({ deviceId, patientId, createdAt: CREATED_AT, events }));
        expect(decoded.header.deviceId).toBe(deviceId);
        expect(decoded.header.patientId).toBe(patientId);
        expect(decoded.rejectedRecords).toEqual({ R_TIME_RANGE: 0, R_VALUE: 0 });
        expect(toDumpEvents(decoded.events)).toEqual(events);
        const days = decoded.days.map((g) => g.dayNumber);
        expect(days).toEqual(
          [...new Set(events.map((e) => Math.floor(e.timestamp / 86_400_000)))].sort((a, b) => a - b),
        );
        for (const group of decoded.days) {
          const indices = Array.from(group.indices);
          expect(indices).toEqual([...indices].sort((a, b) => a - b));
          for (const i of indices)
            expect(Math.floor(events[i]!.timestamp / 86_400_000)).toBe(group.dayNumber);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('computes dayNumber and msOfDay exactly for any u64 timestamp', () => {
    fc.assert(
      fc.property(fc.array(u64, { minLength: 1, maxLength: 20 }), (stamps) => {
        const decoded = decodeDump(
          rawDump({ createdAt: 2n ** 64n - 1n, records: stamps.map((timestamp) => ({ timestamp })) }),
        );
        const valid = stamps.filter((t) => t >= BigInt(FLOOR));
        expect(decoded.events.length).toBe(valid.length);
        valid.forEach((t, i) => {
          expect(decoded.events.dayNumber[i]).toBe(Number(t / 86_400_000n));
          expect(decoded.events.msOfDay[i]).toBe(Number(t % 86_400_000n));
          expect(exactTimestamp(decoded.events, i)).toBe(t);
        });
      }),
      { numRuns: 200 },
    );
  });
});
