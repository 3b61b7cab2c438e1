import fc from 'fast-check';
import {
  allocateChunkEvents,
  decodeChunkMessage,
  encodeChunkMessage,
  MAX_MESSAGE_BYTES,
  type ChunkEnvelope,
} from '../../../lambdas/core/storage/chunk-message';
import { ChunkMessageError } from '../../../lambdas/core/storage/errors';

const eventArb = fc.record({
  msOfDay: fc.integer({ min: 0, max: 86_399_999 }),
  seq: fc.nat({ max: 0xffffffff }),
  type: fc.nat({ max: 0xffff }),
  flags: fc.nat({ max: 0xffff }),
  value: fc.double({ noNaN: true, noDefaultInfinity: true }),
  duration: fc.nat({ max: 0xffffffff }),
  copies: fc.integer({ min: 1, max: 5 }),
});

type ChunkEventRecord = {
  msOfDay: number;
  seq: number;
  type: number;
  flags: number;
  value: number;
  duration: number;
  copies: number;
};

function message(list: ChunkEventRecord[]): ChunkEnvelope {
  const events = allocateChunkEvents(list.length);
  list.forEach((e, i) => {
    events.msOfDay[i] = e.msOfDay;
    events.seq[i] = e.seq;
    events.type[i] = e.type;
    events.flags[i] = e.flags;
    events.value[i] = e.value;
    events.duration[i] = e.duration;
    events.copies[i] = e.copies;
  });
  return {
    dumpId: '0123456789abcdef01234567',
    dayNumber: 19_783,
    chunkId: '20240301-0',
    uploadedAt: 1_709_251_200_123,
    events,
  };
}

describe('encodeChunkMessage / decodeChunkMessage', () => {
  it('round-trips every field exactly (including -0 and copy counts)', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 50 }), fc.boolean(), (list, dayWasEmpty) => {
        const original: ChunkEnvelope = { ...message(list), ...(dayWasEmpty ? { dayWasEmpty } : {}) };
        const decoded = decodeChunkMessage(encodeChunkMessage(original));
        expect(decoded).toEqual(original);
        list.forEach((e, i) => expect(Object.is(decoded.events.value[i], e.value)).toBe(true));
      }),
    );
  });

  it('carries the empty-day hint only when it is set', () => {
    const list = [{ msOfDay: 1, seq: 2, type: 3, flags: 4, value: 5, duration: 6, copies: 1 }];
    const hinted = { ...message(list), dayWasEmpty: true };
    const hintedBody = encodeChunkMessage(hinted);
    expect(JSON.parse(hintedBody)).toMatchObject({ empty: true });
    expect(decodeChunkMessage(hintedBody)).toEqual(hinted);

    const unhinted = encodeChunkMessage({ ...message(list), dayWasEmpty: false });
    expect(JSON.parse(unhinted)).not.toHaveProperty('empty');
    expect(decodeChunkMessage(unhinted).dayWasEmpty ?? false).toBe(false);
  });

  it('decodes a message written before the hint existed as "day not known to be empty"', () => {
    const list = [{ msOfDay: 1, seq: 2, type: 3, flags: 4, value: 5, duration: 6, copies: 1 }];
    const { empty, ...older } = JSON.parse(encodeChunkMessage({ ...message(list), dayWasEmpty: true })) as {
      empty?: boolean;
    };
    expect(empty).toBe(true);
    const decoded = decodeChunkMessage(JSON.stringify(older));
    expect(decoded.dayWasEmpty).toBeUndefined();
    expect(decoded).toEqual(message(list));
    expect(decodeChunkMessage(JSON.stringify({ ...older, empty: false })).dayWasEmpty).toBeUndefined();
  });

  it('carries no patient or device id, only the opaque dump id', () => {
    const body = encodeChunkMessage({
      ...message([{ msOfDay: 1, seq: 2, type: 3, flags: 4, value: 5, duration: 6, copies: 1 }]),
      patientId: 'PATIENT-MARK',
      deviceId: 'DEVICE-MARK',
    } as ChunkEnvelope);
    expect(body).not.toMatch(/PATIENT-MARK|DEVICE-MARK/);
    expect(Object.keys(JSON.parse(body) as object).sort()).toEqual([
      'day',
      'dump',
      'ev',
      'id',
      'n',
      'up',
      'v',
    ]);
  });

  it('keeps a 6,000-event chunk under the SQS limit', () => {
    const list = Array.from({ length: 6000 }, (_, i) => ({
      msOfDay: i * 14_000,
      seq: 0xfffffff0 + i,
      type: 0xffff,
      flags: 0xffff,
      value: -Math.PI * i,
      duration: 0xffffffff,
      copies: 1,
    }));
    const body = encodeChunkMessage(message(list));
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(body) / 6000).toBeLessThan(34);
  });

  it('rejects malformed bodies with ChunkMessageError', () => {
    expect(() => decodeChunkMessage('nope')).toThrow(ChunkMessageError);
    expect(() => decodeChunkMessage(JSON.stringify({ v: 2 }))).toThrow(ChunkMessageError);
    expect(() => decodeChunkMessage(JSON.stringify({ v: 1 }))).toThrow(/version is 1, expected 2/);
    const body = JSON.parse(
      encodeChunkMessage(
        message([{ msOfDay: 1, seq: 2, type: 3, flags: 4, value: 5, duration: 6, copies: 1 }]),
      ),
    ) as Record<string, unknown>;
    expect(() => decodeChunkMessage(JSON.stringify({ ...body, n: 2 }))).toThrow(ChunkMessageError);
    expect(() => decodeChunkMessage(JSON.stringify({ ...body, id: 7 }))).toThrow(ChunkMessageError);
    expect(() => decodeChunkMessage(JSON.stringify({ ...body, empty: 'yes' }))).toThrow(ChunkMessageError);
  });
});
