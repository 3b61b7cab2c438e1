import { decodeDump, DumpRejectedError, type DumpErrorCode } from '../../../lambdas/core/dump';
import { DumpflowError } from '../../../lambdas/core/errors';
import {
  aDump,
  corrupt,
  flipBits,
  CREATED_AT,
  DAY_START,
  rawDump,
  type RawRecord,
} from '../../factories/dumps';

const records: RawRecord[] = [
  { timestamp: BigInt(DAY_START), seq: 1 },
  { timestamp: BigInt(DAY_START + 1000), seq: 2 },
];

function rejection(bytes: Uint8Array): DumpRejectedError {
  try {
    decodeDump(bytes);
  } catch (error) {
    if (error instanceof DumpRejectedError) return error;
    throw error;
  }
  throw new Error('expected the dump to be rejected, but it decoded');
}

function expectRejected(bytes: Uint8Array, code: DumpErrorCode): DumpRejectedError {
  const error = rejection(bytes);
  expect(error.code).toBe(code);
  return error;
}

const idBytes = (...values: number[]) => {
  const field = new Uint8Array(16);
  field.set(values);
  return field;
};

describe('decodeDump whole-dump checks', () => {
  it('accepts the well-formed baseline used below', () => {
    const decoded = decodeDump(rawDump({ records }));
    expect(decoded.events.length).toBe(2);
  });

  it('throws DumpRejectedError, a DumpflowError carrying the code and a plain message', () => {
    const error = expectRejected(new Uint8Array(10), 'E_TOO_SHORT');
    expect(error).toBeInstanceOf(DumpflowError);
    expect(error.name).toBe('DumpRejectedError');
    expect(error.message).toContain('10 bytes');
    expect(error.message).toContain('upload the dump again');
  });

  describe('E_TOO_SHORT', () => {
    it('rejects anything below 72 bytes, even with a valid header', () => {
      expectRejected(new Uint8Array(0), 'E_TOO_SHORT');
      expectRejected(rawDump().subarray(0, 71), 'E_TOO_SHORT');
    });
    it('accepts exactly 72 bytes (an empty dump)', () => {
      expect(rawDump().length).toBe(72);
      expect(decodeDump(rawDump()).events.length).toBe(0);
    });
  });

  it('E_MAGIC: the header magic is not MDMP', () => {
    const error = expectRejected(rawDump({ magic: 'MDMQ', records }), 'E_MAGIC');
    expect(error.message).toContain('"MDMQ"');
    expectRejected(rawDump({ magic: 'mdmp', records }), 'E_MAGIC');
  });

  it('E_VERSION: the version is not 1', () => {
    expect(expectRejected(rawDump({ version: 2, records }), 'E_VERSION').message).toContain('version 2');
    expectRejected(rawDump({ version: 0, records }), 'E_VERSION');
  });

  it('E_HEADER_CRC: the header CRC does not match bytes 0..59', () => {
    const good = rawDump({ records });
    const stored = new DataView(good.buffer).getUint32(60, true);
    expectRejected(rawDump({ records, headerCrc: (stored ^ 1) >>> 0 }), 'E_HEADER_CRC');
    // Any covered byte, e.g. the firmware field, breaks it.
    expectRejected(
      corrupt(good, (v) => v.setUint32(56, 99, true)),
      'E_HEADER_CRC',
    );
  });

  it('E_HEADER_SIZE: headerSize below 64', () => {
    expect(expectRejected(rawDump({ headerSize: 63, records }), 'E_HEADER_SIZE').message).toContain('63');
    expectRejected(rawDump({ headerSize: 0, records }), 'E_HEADER_SIZE');
  });

  it('E_RECORD_SIZE: recordSize below 32', () => {
    expectRejected(rawDump({ recordSize: 31, records }), 'E_RECORD_SIZE');
    expectRejected(rawDump({ recordSize: 0, records: [] }), 'E_RECORD_SIZE');
  });

  it('E_TOO_LARGE: more than 2,000,000 records announced', () => {
    const error = expectRejected(rawDump({ recordCount: 2_000_001 }), 'E_TOO_LARGE');
    expect(error.message).toContain('2,000,001');
    expectRejected(rawDump({ recordCount: 0xffffffff }), 'E_TOO_LARGE');
    // Exactly 2,000,000 passes this check and fails on size instead.
    expectRejected(rawDump({ recordCount: 2_000_000 }), 'E_TRUNCATED');
  });

  describe('E_IDENTITY', () => {
    it.each([
      ['an empty deviceId', { deviceId: idBytes() }],
      ['an empty patientId', { patientId: idBytes() }],
      ['a space in the id', { deviceId: 'DEV 1' }],
      ['a control character', { patientId: idBytes(0x41, 0x09, 0x42) }],
      ['DEL (0x7F)', { deviceId: idBytes(0x41, 0x7f) }],
      ['a byte above 0x7F', { deviceId: idBytes(0x41, 0xc3, 0xa9) }],
      ['a non-NUL byte after the first NUL', { deviceId: idBytes(0x41, 0x00, 0x42) }],
      [
        'a non-NUL byte in the last position after padding',
        { patientId: idBytes(0x41, ...new Array(14).fill(0), 0x42) },
      ],
      ['a leading NUL followed by text', { patientId: idBytes(0x00, 0x41) }],
    ])('rejects %s', (_label, ids) => {
      const error = expectRejected(rawDump({ records, ...ids }), 'E_IDENTITY');
      expect(error.message).toMatch(/deviceId|patientId/);
    });

    it('names the offending field', () => {
      expect(expectRejected(rawDump({ patientId: idBytes() }), 'E_IDENTITY').message).toContain(
        'patientId is empty',
      );
      expect(expectRejected(rawDump({ deviceId: 'A B' }), 'E_IDENTITY').message).toContain(
        '0x20 at position 2',
      );
    });

    it('accepts 16 characters with no NUL, punctuation and case-sensitive ids', () => {
      const decoded = decodeDump(
        rawDump({ deviceId: 'ABCDEFGHIJKLMNOP', patientId: '#!~{}[]|\\"\'`^&*', records }),
      );
      expect(decoded.header.deviceId).toBe('ABCDEFGHIJKLMNOP');
      expect(decoded.header.patientId).toBe('#!~{}[]|\\"\'`^&*');
      expect(decodeDump(rawDump({ deviceId: 'dev-1' })).header.deviceId).toBe('dev-1');
      expect(decodeDump(rawDump({ deviceId: '!' })).header.deviceId).toBe('!');
    });
  });

  describe('E_TRUNCATED', () => {
    it('the file is shorter than headerSize + count x size + 8', () => {
      const error = expectRejected(rawDump({ records, recordCount: 5000 }), 'E_TRUNCATED');
      expect(error.message).toBe(
        'the file ends after 136 bytes but the header announces 5,000 records of 32 bytes (160,072 bytes in all); the upload was probably cut short — upload the dump again',
      );
    });
    it('loses even one trailer byte', () => {
      const whole = rawDump({ records });
      expectRejected(whole.subarray(0, whole.length - 1), 'E_TRUNCATED');
    });
    it('computes sizes beyond 2^32 without overflow', () => {
      // 2,000,000 x 65,535 = 131 GB: the size must not wrap to something small.
      const error = expectRejected(
        rawDump({ records, recordCount: 2_000_000, recordSize: 65_535 }),
        'E_TRUNCATED',
      );
      // 64 + 2,000,000 x 65,535 + 8
      expect(error.message).toContain('(131,070,000,072 bytes in all)');
    });
  });

  it('E_TRAILING_DATA: the file is longer than announced', () => {
    const error = expectRejected(rawDump({ records, trailing: new Uint8Array(3) }), 'E_TRAILING_DATA');
    expect(error.message).toContain('3 unexpected bytes');
    expectRejected(rawDump({ records, recordCount: 1 }), 'E_TRAILING_DATA');
  });

  it('E_TRAILER: the trailer magic is not MEND', () => {
    expect(expectRejected(rawDump({ records, trailerMagic: 'MENX' }), 'E_TRAILER').message).toContain(
      '"MENX"',
    );
  });

  it('E_BODY_CRC: the body CRC does not match', () => {
    const good = rawDump({ records });
    expectRejected(flipBits(good, 64 + 9, 0xff), 'E_BODY_CRC');
    expectRejected(
      corrupt(good, (v) => v.setUint32(good.length - 4, 0, true)),
      'E_BODY_CRC',
    );
  });

  it('E_BODY_CRC covers reserved bytes and bytes past 32 in each record', () => {
    const wide = rawDump({
      recordSize: 40,
      records: records.map((r) => ({ ...r, extra: Uint8Array.of(1, 2, 3) })),
    });
    expect(decodeDump(wide).events.length).toBe(2);
    expectRejected(flipBits(wide, 64 + 40 + 39, 1), 'E_BODY_CRC');
    expectRejected(flipBits(wide, 64 + 29, 1), 'E_BODY_CRC');
  });

  it('ignores the header gap between 64 and headerSize in both CRCs', () => {
    const gapped = rawDump({ headerSize: 80, records, headerGap: new Uint8Array(16).fill(0xaa) });
    expect(decodeDump(gapped).events.length).toBe(2);
    const changedGap = corrupt(gapped, (_v, b) => b.fill(0x55, 64, 80));
    expect(decodeDump(changedGap).events.length).toBe(2);
  });

  describe('precedence: the first failing rule in spec order is reported', () => {
    const cases: Array<[string, Uint8Array, DumpErrorCode]> = [
      ['short and bad magic', Uint8Array.from('XXXX', (c) => c.charCodeAt(0)), 'E_TOO_SHORT'],
      ['bad magic and bad version', rawDump({ magic: 'ABCD', version: 9, records }), 'E_MAGIC'],
      ['bad version and bad header CRC', rawDump({ version: 2, headerCrc: 1, records }), 'E_VERSION'],
      [
        'bad header CRC and bad header size',
        rawDump({ headerSize: 10, headerCrc: 1, records }),
        'E_HEADER_CRC',
      ],
      [
        'bad header size and bad record size',
        rawDump({ headerSize: 10, recordSize: 4, records }),
        'E_HEADER_SIZE',
      ],
      ['bad record size and too large', rawDump({ recordSize: 4, recordCount: 3_000_000 }), 'E_RECORD_SIZE'],
      ['too large and bad identity', rawDump({ recordCount: 3_000_000, deviceId: idBytes() }), 'E_TOO_LARGE'],
      [
        'bad identity and truncated',
        rawDump({ deviceId: idBytes(), recordCount: 99, records }),
        'E_IDENTITY',
      ],
      [
        'truncated and bad trailer',
        rawDump({ records, recordCount: 3, trailerMagic: 'NOPE' }),
        'E_TRUNCATED',
      ],
      [
        'trailing data and bad trailer',
        rawDump({ records, trailing: Uint8Array.of(1), trailerMagic: 'NOPE' }),
        'E_TRAILING_DATA',
      ],
      ['bad trailer and bad body CRC', rawDump({ records, trailerMagic: 'NOPE', bodyCrc: 5 }), 'E_TRAILER'],
    ];
    it.each(cases)('%s', (_label, bytes, code) => {
      expectRejected(bytes, code);
    });
  });

  it('a valid encoder dump decodes; a single flipped body bit is E_BODY_CRC', () => {
    const dump = aDump();
    expect(decodeDump(dump).header.createdAt).toBe(CREATED_AT);
    expectRejected(flipBits(dump, 70, 4), 'E_BODY_CRC');
  });
});
