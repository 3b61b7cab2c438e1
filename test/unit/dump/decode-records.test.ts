import { decodeDump, exactTimestamp, toDumpEvents } from '../../../lambdas/core/dump';
import { CREATED_AT, DAY_START, rawDump, type RawRecord } from '../../factories/dumps';

const FLOOR = 946_684_800_000n; // 2000-01-01T00:00:00Z
const DAY = 86_400_000n;
const U64_MAX = 2n ** 64n - 1n;

const decodeRecords = (records: RawRecord[], createdAt = BigInt(CREATED_AT)) =>
  decodeDump(rawDump({ records, createdAt }));

describe('decodeDump record checks', () => {
  describe('R_TIME_RANGE', () => {
    it('accepts exactly 2000-01-01T00:00:00Z and rejects one millisecond earlier', () => {
      const decoded = decodeRecords([
        { timestamp: FLOOR - 1n, seq: 1 },
        { timestamp: FLOOR, seq: 2 },
        { timestamp: 0n, seq: 3 },
      ]);
      expect(decoded.rejectedRecords).toEqual({ R_TIME_RANGE: 2, R_VALUE: 0 });
      expect(Array.from(decoded.events.seq)).toEqual([2]);
    });

    it('accepts exactly createdAt + 1 day and rejects one millisecond later', () => {
      const createdAt = BigInt(CREATED_AT);
      const decoded = decodeRecords(
        [
          { timestamp: createdAt + DAY, seq: 1 },
          { timestamp: createdAt + DAY + 1n, seq: 2 },
          { timestamp: U64_MAX, seq: 3 },
        ],
        createdAt,
      );
      expect(decoded.rejectedRecords.R_TIME_RANGE).toBe(2);
      expect(Array.from(decoded.events.seq)).toEqual([1]);
    });

    it('compares exactly when createdAt + 1 day carries into the high 32-bit word', () => {
      const createdAt = (300n << 32n) + 0xffff_f000n;
      const limit = createdAt + DAY;
      const decoded = decodeRecords(
        [
          { timestamp: limit, seq: 1 },
          { timestamp: limit + 1n, seq: 2 },
          { timestamp: (301n << 32n) - 1n, seq: 3 },
          { timestamp: 302n << 32n, seq: 4 },
        ],
        createdAt,
      );
      expect(Array.from(decoded.events.seq)).toEqual([1, 3]);
      expect(decoded.rejectedRecords.R_TIME_RANGE).toBe(2);
    });

    it('compares exactly around 2^53, where doubles would round', () => {
      const createdAt = 2n ** 53n - DAY; // limit = 2^53 exactly
      const decoded = decodeRecords(
        [
          { timestamp: 2n ** 53n, seq: 1 },
          { timestamp: 2n ** 53n + 1n, seq: 2 }, // same double as 2^53
        ],
        createdAt,
      );
      expect(Array.from(decoded.events.seq)).toEqual([1]);
      expect(decoded.rejectedRecords.R_TIME_RANGE).toBe(1);
    });

    it('rejects every record when createdAt + 1 day is before 2000', () => {
      const decoded = decodeRecords([{ timestamp: FLOOR }, { timestamp: 0n }], 0n);
      expect(decoded.rejectedRecords.R_TIME_RANGE).toBe(2);
      expect(decoded.events.length).toBe(0);
      expect(decoded.days).toEqual([]);
    });
  });

  describe('huge createdAt (not validated)', () => {
    it('accepts timestamps up to u64 max when createdAt is u64 max, with exact day numbers', () => {
      const big = [2n ** 53n + 1n, 2n ** 60n + 12_345n, U64_MAX];
      const decoded = decodeRecords(
        big.map((timestamp, seq) => ({ timestamp, seq })),
        U64_MAX,
      );
      expect(decoded.rejectedRecords).toEqual({ R_TIME_RANGE: 0, R_VALUE: 0 });
      big.forEach((ts, i) => {
        expect(decoded.events.dayNumber[i]).toBe(Number(ts / DAY));
        expect(decoded.events.msOfDay[i]).toBe(Number(ts % DAY));
        expect(exactTimestamp(decoded.events, i)).toBe(ts);
        expect(decoded.events.timestamp[i]).toBe(Number(ts));
      });
    });

    it('splits the header createdAt exactly', () => {
      const { header } = decodeRecords([], U64_MAX);
      expect(header.createdAt).toBe(Number(U64_MAX));
      expect(header.createdAtDayNumber).toBe(Number(U64_MAX / DAY));
      expect(header.createdAtMsOfDay).toBe(Number(U64_MAX % DAY));
    });
  });

  describe('R_VALUE', () => {
    it.each([
      ['NaN', { valueBits: 0x7ff8_0000_0000_0000n }],
      ['a NaN with a payload', { valueBits: 0x7ff0_0000_0000_0001n }],
      ['a negative NaN', { valueBits: 0xfff8_0000_0000_0001n }],
      ['+Infinity', { value: Infinity }],
      ['-Infinity', { value: -Infinity }],
    ])('rejects %s', (_label, value) => {
      const decoded = decodeRecords([{ timestamp: BigInt(DAY_START), ...value }]);
      expect(decoded.rejectedRecords).toEqual({ R_TIME_RANGE: 0, R_VALUE: 1 });
      expect(decoded.events.length).toBe(0);
    });

    it('keeps every finite value bit-exactly, including -0, subnormals and the extremes', () => {
      const values = [-0, 0, Number.MIN_VALUE, -Number.MAX_VALUE, Number.MAX_VALUE, 120.25];
      const decoded = decodeRecords(values.map((value, i) => ({ timestamp: BigInt(DAY_START + i), value })));
      expect(Array.from(decoded.events.value)).toEqual(values);
      expect(Object.is(decoded.events.value[0], -0)).toBe(true);
    });
  });

  it('gives a record breaking both rules only R_TIME_RANGE', () => {
    const decoded = decodeRecords([
      { timestamp: 5n, value: NaN },
      { timestamp: BigInt(DAY_START), value: NaN },
      { timestamp: BigInt(DAY_START), value: 1 },
    ]);
    expect(decoded.rejectedRecords).toEqual({ R_TIME_RANGE: 1, R_VALUE: 1 });
    expect(decoded.events.length).toBe(1);
  });

  it('keeps the valid records, all fields, in file order; unknown types and flags included', () => {
    const records: RawRecord[] = [
      {
        timestamp: BigInt(DAY_START + 500),
        seq: 0xffffffff,
        type: 0,
        flags: 0xffff,
        value: 1.5,
        duration: 0xffffffff,
      },
      { timestamp: 1n, seq: 9 },
      {
        timestamp: BigInt(DAY_START + 100),
        seq: 7,
        type: 65_535,
        flags: 3,
        value: -2,
        duration: 60,
        reserved: 0xdeadbeef,
      },
    ];
    const decoded = decodeRecords(records);
    expect(decoded.header.recordCount).toBe(3);
    expect(toDumpEvents(decoded.events)).toEqual([
      {
        timestamp: DAY_START + 500,
        seq: 0xffffffff,
        type: 0,
        flags: 0xffff,
        value: 1.5,
        duration: 0xffffffff,
      },
      { timestamp: DAY_START + 100, seq: 7, type: 65_535, flags: 3, value: -2, duration: 60 },
    ]);
    expect(Array.from(decoded.events.msOfDay)).toEqual([500, 100]);
  });

  it('decodes an empty dump', () => {
    const decoded = decodeDump(rawDump({ records: [] }));
    expect(decoded.header.recordCount).toBe(0);
    expect(decoded.events.length).toBe(0);
    expect(decoded.events.seq).toHaveLength(0);
    expect(decoded.days).toEqual([]);
    expect(decoded.rejectedRecords).toEqual({ R_TIME_RANGE: 0, R_VALUE: 0 });
  });

  it('reads every header field', () => {
    const decoded = decodeDump(
      rawDump({
        flags: 0xbeef,
        firmware: 0x0a0b0c0d,
        createdAt: BigInt(CREATED_AT),
        records: [{ timestamp: BigInt(DAY_START) }],
      }),
    );
    expect(decoded.header).toEqual({
      version: 1,
      headerSize: 64,
      recordSize: 32,
      flags: 0xbeef,
      recordCount: 1,
      deviceId: 'DEV-0001',
      patientId: 'PAT-0001',
      createdAt: CREATED_AT,
      createdAtDayNumber: Math.floor(CREATED_AT / 86_400_000),
      createdAtMsOfDay: CREATED_AT % 86_400_000,
      firmware: 0x0a0b0c0d,
    });
  });

  it('skips the gap when headerSize > 64', () => {
    const records: RawRecord[] = [{ timestamp: BigInt(DAY_START), seq: 11 }];
    const decoded = decodeDump(
      rawDump({ headerSize: 100, headerGap: new Uint8Array(36).fill(0xff), records }),
    );
    expect(decoded.header.headerSize).toBe(100);
    expect(Array.from(decoded.events.seq)).toEqual([11]);
  });

  it('reads the first 32 bytes of 40-byte records and ignores the rest', () => {
    const extra = new Uint8Array(8).fill(0x7f);
    const records: RawRecord[] = [
      { timestamp: BigInt(DAY_START), seq: 1, value: 4, extra },
      { timestamp: BigInt(DAY_START + 1), seq: 2, value: 5, extra },
    ];
    const decoded = decodeDump(rawDump({ recordSize: 40, records }));
    expect(decoded.header.recordSize).toBe(40);
    expect(Array.from(decoded.events.seq)).toEqual([1, 2]);
    expect(Array.from(decoded.events.value)).toEqual([4, 5]);
  });

  it('decodes bytes that start at an odd offset inside a larger buffer (e.g. a pooled Buffer)', () => {
    const dump = rawDump({ records: [{ timestamp: BigInt(DAY_START), seq: 8, value: 2.5 }] });
    const host = new Uint8Array(dump.length + 3);
    host.set(dump, 3);
    const decoded = decodeDump(host.subarray(3, 3 + dump.length));
    expect(Array.from(decoded.events.seq)).toEqual([8]);
    expect(Array.from(decoded.events.value)).toEqual([2.5]);
  });

  it('does not keep a reference to the input bytes', () => {
    const bytes = rawDump({ records: [{ timestamp: BigInt(DAY_START), seq: 4 }] });
    const decoded = decodeDump(bytes);
    bytes.fill(0);
    expect(decoded.events.seq[0]).toBe(4);
    expect(decoded.events.seq.buffer).not.toBe(bytes.buffer);
  });
});
