import {
  decodeDump,
  DumpEncodeError,
  DumpWriter,
  encodeDump,
  toDumpEvents,
  type EncodeDumpInput,
} from '../../../lambdas/core/dump';
import { DumpflowError } from '../../../lambdas/core/errors';
import { aDump, CREATED_AT, DAY_START, rawDump, someEvents } from '../../factories/dumps';
import { event } from '../../factories/events';

const base: EncodeDumpInput = {
  deviceId: 'DEV-0001',
  patientId: 'PAT-0001',
  createdAt: CREATED_AT,
  firmware: 7,
  events: [],
};

describe('encodeDump', () => {
  it('writes the same bytes as the hand-laid factory layout', () => {
    const events = someEvents(3);
    const encoded = encodeDump({ ...base, events });
    const byHand = rawDump({
      firmware: 7,
      records: events.map((e) => ({ ...e, timestamp: BigInt(e.timestamp) })),
    });
    expect(Buffer.from(encoded).equals(Buffer.from(byHand))).toBe(true);
  });

  it('round-trips header and events: decode(encode(x)) gives x back', () => {
    const events = someEvents(50);
    const decoded = decodeDump(encodeDump({ ...base, flags: 3, events }));
    expect(toDumpEvents(decoded.events)).toEqual(events);
    expect(decoded.header).toMatchObject({
      deviceId: 'DEV-0001',
      patientId: 'PAT-0001',
      createdAt: CREATED_AT,
      firmware: 7,
      flags: 3,
      recordCount: 50,
    });
  });

  it('re-encodes a decoded dump to identical bytes', () => {
    const original = aDump({ events: someEvents(40) });
    const { header, events } = decodeDump(original);
    const again = encodeDump({ ...header, events: toDumpEvents(events) });
    expect(Buffer.from(again).equals(Buffer.from(original))).toBe(true);
  });

  it('writes headerSize > 64 with a header gap and recordSize > 32 with extra bytes, all decodable', () => {
    const events = someEvents(4);
    const bytes = encodeDump({
      ...base,
      events,
      headerSize: 72,
      headerGap: Uint8Array.of(9, 9, 9),
      recordSize: 40,
      extraRecordBytes: (i) => Uint8Array.of(i, i, i, i, i, i, i, i),
    });
    expect(bytes.length).toBe(72 + 4 * 40 + 8);
    expect(Array.from(bytes.subarray(64, 72))).toEqual([9, 9, 9, 0, 0, 0, 0, 0]);
    expect(Array.from(bytes.subarray(72 + 40 * 3 + 32, 72 + 40 * 4))).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    const decoded = decodeDump(bytes);
    expect(toDumpEvents(decoded.events)).toEqual(events);
    expect(decoded.header).toMatchObject({ headerSize: 72, recordSize: 40 });
  });

  it('accepts bigint createdAt and timestamps up to u64 max', () => {
    const max = 2n ** 64n - 1n;
    const bytes = encodeDump({ ...base, createdAt: max, events: [{ ...event(), timestamp: max }] });
    const view = new DataView(bytes.buffer);
    expect(view.getBigUint64(48, true)).toBe(max);
    expect(view.getBigUint64(64, true)).toBe(max);
    expect(decodeDump(bytes).events.length).toBe(1);
  });

  it('writes records that break record rules, so tests can produce them', () => {
    const decoded = decodeDump(
      encodeDump({ ...base, events: [event({ value: NaN }), event({ timestamp: 1 }), event()] }),
    );
    expect(decoded.rejectedRecords).toEqual({ R_TIME_RANGE: 1, R_VALUE: 1 });
  });

  it.each([
    ['an empty deviceId', { deviceId: '' }],
    ['a 17-character patientId', { patientId: 'ABCDEFGHIJKLMNOPQ' }],
    ['a space in an id', { deviceId: 'A B' }],
    ['a non-ASCII id', { patientId: 'Zoë' }],
    ['headerSize 63', { headerSize: 63 }],
    ['recordSize 31', { recordSize: 31 }],
    ['recordSize 65536', { recordSize: 65_536 }],
    ['a negative createdAt', { createdAt: -1 }],
    ['a createdAt above 2^53 as a number', { createdAt: 2 ** 60 }],
    ['a createdAt beyond u64', { createdAt: 2n ** 64n }],
    ['a fractional timestamp', { events: [event({ timestamp: DAY_START + 0.5 })] }],
    ['seq beyond u32', { events: [event({ seq: 2 ** 32 })] }],
    ['type beyond u16', { events: [event({ type: 65_536 })] }],
    ['a negative duration', { events: [event({ duration: -1 })] }],
  ])('refuses %s with DumpEncodeError', (_label, overrides) => {
    const attempt = () => encodeDump({ ...base, ...overrides } as EncodeDumpInput);
    expect(attempt).toThrow(DumpEncodeError);
    try {
      attempt();
    } catch (error) {
      expect(error).toBeInstanceOf(DumpflowError);
      expect((error as DumpEncodeError).code).toBe('E_ENCODE');
    }
  });
});

describe('DumpWriter', () => {
  it('grows past its initial capacity and reports the count', () => {
    const writer = new DumpWriter(base, 1);
    for (let i = 0; i < 1000; i++) writer.add(DAY_START + i, i, 5, 0, i, 0);
    expect(writer.recordCount).toBe(1000);
    const bytes = writer.finish();
    expect(bytes.length).toBe(64 + 1000 * 32 + 8);
    const decoded = decodeDump(bytes);
    expect(decoded.events.length).toBe(1000);
    expect(decoded.events.seq[999]).toBe(999);
  });

  it('returns an exact-size buffer and cannot be reused after finishing', () => {
    const writer = new DumpWriter(base, 100);
    writer.add(DAY_START, 1, 1, 0, 1, 1);
    const bytes = writer.finish();
    expect(bytes.byteLength).toBe(bytes.buffer.byteLength);
    expect(() => writer.finish()).toThrow(DumpEncodeError);
    expect(() => writer.add(DAY_START, 2, 1, 0, 1, 1)).toThrow(DumpEncodeError);
  });
});
