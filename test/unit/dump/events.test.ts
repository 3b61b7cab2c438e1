import fc from 'fast-check';
import {
  contentKey,
  decodeDump,
  encodeDump,
  eventAt,
  eventTimeIso,
  exactTimestamp,
  identityKey,
  toDumpEvents,
} from '../../../lambdas/core/dump';
import { CREATED_AT, DAY_START, rawDump } from '../../factories/dumps';
import { event } from '../../factories/events';

const decodeOne = (overrides: Parameters<typeof event>[0]) =>
  decodeDump(encodeDump({ deviceId: 'D', patientId: 'P', createdAt: CREATED_AT, events: [event(overrides)] }))
    .events;

describe('identityKey', () => {
  it('is msOfDay (8 decimal digits), seq (8 hex), type (4 hex)', () => {
    const events = decodeOne({ timestamp: DAY_START + 3_723_004, seq: 0xabc, type: 10 });
    expect(identityKey(events, 0)).toBe('03723004-00000abc-000a');
  });

  it('is fixed-width at the extremes', () => {
    const events = decodeOne({ timestamp: DAY_START + 86_399_999, seq: 0xffffffff, type: 0xffff });
    expect(identityKey(events, 0)).toBe('86399999-ffffffff-ffff');
    expect(identityKey(decodeOne({ timestamp: DAY_START, seq: 0, type: 0 }), 0)).toBe(
      '00000000-00000000-0000',
    );
  });

  it('differs whenever msOfDay, seq or type differ, and sorts by time first', () => {
    const arb = fc.record({
      ms: fc.integer({ min: 0, max: 86_399_999 }),
      seq: fc.nat({ max: 0xffffffff }),
      type: fc.nat({ max: 0xffff }),
    });
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const events = decodeDump(
          encodeDump({
            deviceId: 'D',
            patientId: 'P',
            createdAt: CREATED_AT,
            events: [a, b].map((x) => event({ timestamp: DAY_START + x.ms, seq: x.seq, type: x.type })),
          }),
        ).events;
        const same = a.ms === b.ms && a.seq === b.seq && a.type === b.type;
        expect(identityKey(events, 0) === identityKey(events, 1)).toBe(same);
        if (a.ms < b.ms) expect(identityKey(events, 0) < identityKey(events, 1)).toBe(true);
      }),
    );
  });
  it('matches a plain toString/padStart rendering for any values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 86_399_999 }),
        fc.nat({ max: 0xffffffff }),
        fc.nat({ max: 0xffff }),
        (ms, seq, type) => {
          const events = decodeOne({ timestamp: DAY_START + ms, seq, type });
          const plain = `${String(ms).padStart(8, '0')}-${seq.toString(16).padStart(8, '0')}-${type.toString(16).padStart(4, '0')}`;
          expect(identityKey(events, 0)).toBe(plain);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('contentKey', () => {
  it('encodes flags, the exact value bits and duration', () => {
    const events = decodeOne({ flags: 0x12, value: 1, duration: 0x3c });
    expect(contentKey(events, 0)).toBe('0012' + '3ff0000000000000' + '0000003c');
  });

  it('tells -0 from 0 and ignores seq, type and time', () => {
    expect(contentKey(decodeOne({ value: -0 }), 0)).not.toBe(contentKey(decodeOne({ value: 0 }), 0));
    expect(contentKey(decodeOne({ seq: 1, type: 2 }), 0)).toBe(
      contentKey(decodeOne({ seq: 9, type: 3, timestamp: DAY_START + 5 }), 0),
    );
  });
  it('matches a plain rendering of flags, value bits and duration for any values', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffff }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.nat({ max: 0xffffffff }),
        (flags, value, duration) => {
          const bits = new DataView(new ArrayBuffer(8));
          bits.setFloat64(0, value);
          const plain =
            flags.toString(16).padStart(4, '0') +
            bits.getBigUint64(0).toString(16).padStart(16, '0') +
            duration.toString(16).padStart(8, '0');
          expect(contentKey(decodeOne({ flags, value, duration }), 0)).toBe(plain);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('exactTimestamp / eventTimeIso / eventAt', () => {
  it('returns the exact u64 and its ISO text even beyond 2^53', () => {
    const ts = 2n ** 62n + 7n;
    const events = decodeDump(rawDump({ createdAt: ts, records: [{ timestamp: ts, seq: 3 }] })).events;
    expect(exactTimestamp(events, 0)).toBe(ts);
    expect(eventTimeIso(events, 0)).toMatch(/^\+\d{9}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('agrees with Date inside its range', () => {
    const events = decodeOne({ timestamp: DAY_START + 12_345 });
    expect(eventTimeIso(events, 0)).toBe(new Date(DAY_START + 12_345).toISOString());
  });

  it('gives plain event objects, for all events or a subset', () => {
    const events = decodeDump(
      encodeDump({
        deviceId: 'D',
        patientId: 'P',
        createdAt: CREATED_AT,
        events: [event({ seq: 1 }), event({ seq: 2 }), event({ seq: 3 })],
      }),
    ).events;
    expect(eventAt(events, 1)).toEqual(event({ seq: 2 }));
    expect(toDumpEvents(events, [2, 0]).map((e) => e.seq)).toEqual([3, 1]);
  });
});
