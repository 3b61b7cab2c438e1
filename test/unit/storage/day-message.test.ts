import {
  decodeFanOutMessage,
  decodeStagedDay,
  encodeDayMessage,
  encodeStagedDay,
  stagedDayKey,
  type DayMessage,
} from '../../../lambdas/core/storage/day-message';
import { encodeChunkMessage, allocateChunkEvents } from '../../../lambdas/core/storage/chunk-message';
import { ChunkMessageError } from '../../../lambdas/core/storage/errors';

const day: DayMessage = {
  dumpId: '0123456789abcdef01234567',
  dayNumber: 20_000,
  parts: [3, 4, 5],
  staged: { bucket: 'bucket', key: stagedDayKey('staging/', '0123456789abcdef01234567', 20_000) },
};

describe('decodeFanOutMessage', () => {
  it('round-trips a day message', () => {
    expect(decodeFanOutMessage(encodeDayMessage(day))).toEqual({ kind: 'day', day });
  });

  it('reads a chunk message as a chunk', () => {
    const chunk = {
      dumpId: day.dumpId,
      dayNumber: 20_000,
      chunkId: 'x-0',
      uploadedAt: 1,
      events: allocateChunkEvents(2),
    };
    const decoded = decodeFanOutMessage(encodeChunkMessage(chunk));
    expect(decoded.kind).toBe('chunk');
    expect(decoded.kind === 'chunk' && decoded.chunk.chunkId).toBe('x-0');
  });

  it('refuses a day message that is not whole, or of another version', () => {
    const body = JSON.parse(encodeDayMessage(day)) as Record<string, unknown>;
    expect(() => decodeFanOutMessage('nope')).toThrow(ChunkMessageError);
    expect(() => decodeFanOutMessage(JSON.stringify({ ...body, parts: [] }))).toThrow(/missing fields/);
    expect(() => decodeFanOutMessage(JSON.stringify({ ...body, parts: [-1] }))).toThrow(/missing fields/);
    expect(() => decodeFanOutMessage(JSON.stringify({ ...body, o: undefined }))).toThrow(/missing fields/);
    expect(() => decodeFanOutMessage(JSON.stringify({ ...body, v: 1 }))).toThrow(/version is 1, expected 2/);
  });
});

describe('stagedDayKey', () => {
  it('names the dump and the day under the prefix, nothing else', () => {
    expect(day.staged.key).toMatch(/^staging\/0123456789abcdef01234567\/[^/]+$/);
  });
});

describe('encodeStagedDay / decodeStagedDay', () => {
  it('round-trips chunk bodies, one per line', () => {
    const chunks = [0, 1].map((part) => ({
      dumpId: day.dumpId,
      dayNumber: 20_000,
      chunkId: `d-${part}`,
      uploadedAt: 5,
      events: allocateChunkEvents(part + 1),
    }));
    const decoded = decodeStagedDay(encodeStagedDay(chunks.map((chunk) => encodeChunkMessage(chunk))));
    expect(decoded.map((chunk) => [chunk.chunkId, chunk.events.length])).toEqual([
      ['d-0', 1],
      ['d-1', 2],
    ]);
    expect(decodeStagedDay(encodeStagedDay([]))).toEqual([]);
  });
});
