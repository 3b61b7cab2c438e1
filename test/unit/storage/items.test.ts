import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { kpiItem, kpisFromItem, type StoredKpis } from '../../../lambdas/core/kpi/kpi-item';
import { StoredItemError } from '../../../lambdas/core/storage/errors';
import { fingerprintFromHex } from '../../../lambdas/core/storage/fingerprint';
import { readItem, toAttributes, type AttributeNative } from '../../../lambdas/core/storage/items';
import { dayTtl } from '../../../lambdas/core/storage/keys';
import { daySummaryFromItem, daySummaryItem, type DaySummary } from '../../../lambdas/core/storage/summary';

/** The day of the last u64 millisecond: a valid event's day, whose TTL is past 2^53. */
const LAST_DAY = Number((2n ** 64n - 1n) / 86_400_000n);

const name = fc.stringMatching(/^[a-z][a-zA-Z]{0,7}$/);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const native: fc.Arbitrary<AttributeNative> = fc.oneof(
  fc.string(),
  finite,
  fc.constant(null),
  fc.boolean(),
  fc.uint8Array({ maxLength: 16 }),
  fc.dictionary(name, finite, { maxKeys: 4, noNullPrototype: true }),
);

/** What the call sites wrote by hand before toAttributes. */
function handWritten(value: AttributeNative): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value instanceof Uint8Array) return { B: value };
  return { M: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, { N: String(v) }])) };
}

function thrown(run: () => unknown): StoredItemError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(StoredItemError);
    return error as StoredItemError;
  }
  throw new Error('expected a StoredItemError');
}

describe('toAttributes', () => {
  it('builds exactly the attributes a ledger or summary item was written with by hand', () => {
    const page = Uint8Array.of(1, 2, 3);
    const attributes = toAttributes({
      pk: 'L#0123456789abcdef01234567',
      sk: 'LEDGER',
      status: 'COMPLETE',
      generation: '',
      records: 10,
      uploadedAt: 1_709_251_200_123,
      rejected: { R_TIME_RANGE: 2, R_VALUE: 0 },
      ahi: null,
      meanLeak: 12.25,
      d: page,
      counted: true,
      ttl: dayTtl(LAST_DAY),
      code: undefined,
    });
    expect(attributes).toStrictEqual({
      pk: { S: 'L#0123456789abcdef01234567' },
      sk: { S: 'LEDGER' },
      status: { S: 'COMPLETE' },
      generation: { S: '' },
      records: { N: '10' },
      uploadedAt: { N: '1709251200123' },
      rejected: { M: { R_TIME_RANGE: { N: '2' }, R_VALUE: { N: '0' } } },
      ahi: { NULL: true },
      meanLeak: { N: '12.25' },
      d: { B: page },
      counted: { BOOL: true },
      ttl: { N: String(dayTtl(LAST_DAY)) },
    });
    // The page bytes themselves, not a copy; undefined is left out, not stored as NULL.
    expect(attributes['d']?.B).toBe(page);
    expect('code' in attributes).toBe(false);
  });

  it('writes every finite number as String(n) did, past 2^53 too', () => {
    expect(dayTtl(LAST_DAY)).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(toAttributes({ a: 1.5e300, b: 5e-324, c: -0, d: 2 ** 64 })).toStrictEqual({
      a: { N: '1.5e+300' },
      b: { N: '5e-324' },
      c: { N: '0' },
      d: { N: '18446744073709552000' },
    });
    expect(() => toAttributes({ a: NaN })).toThrow();
    expect(() => toAttributes({ a: Infinity })).toThrow();
  });

  it('matches the hand-written form for any plain values', () => {
    fc.assert(
      fc.property(fc.dictionary(name, fc.option(native, { nil: undefined }), { maxKeys: 8 }), (values) => {
        const expected = Object.fromEntries(
          Object.entries(values)
            .filter((entry): entry is [string, AttributeNative] => entry[1] !== undefined)
            .map(([key, value]) => [key, handWritten(value)]),
        );
        expect(toAttributes(values)).toStrictEqual(expected);
      }),
    );
  });

  it('does not type-check an AttributeValue, which it would wrap in a map', () => {
    // @ts-expect-error: { S: 'x' } is already an attribute; spread such keys beside toAttributes' result
    expect(toAttributes({ pk: { S: 'x' } })).toStrictEqual({ pk: { M: { S: { S: 'x' } } } });
  });
});

describe('readItem', () => {
  it('reads back what toAttributes wrote, each value with its accessor', () => {
    fc.assert(
      fc.property(fc.dictionary(name, native, { maxKeys: 8, noNullPrototype: true }), (values) => {
        const stored = readItem(toAttributes(values), 'an item');
        for (const [key, value] of Object.entries(values)) {
          if (typeof value === 'string') expect(stored.string(key)).toBe(value);
          else if (typeof value === 'number') expect(stored.number(key)).toBe(Number(String(value)));
          else if (value === null) expect(stored.nullableNumber(key)).toBeNull();
          else if (value instanceof Uint8Array) expect(stored.optionalBinary(key)).toBe(value);
          else if (typeof value === 'object') {
            // A number is stored as its text, so -0 reads back as 0, in a map as on its own.
            const asStored = Object.entries(value).map(([k, v]) => [k, Number(String(v))]);
            expect(stored.optionalNumberMap(key)).toStrictEqual(Object.fromEntries(asStored));
          }
        }
      }),
    );
  });

  it('reads numbers as Number(text), past 2^53 and in exponent form too', () => {
    const stored = readItem({ ttl: { N: '18446744073709552000' }, mean: { N: '1E+100' } }, 'an item');
    expect(stored.number('ttl')).toBe(2 ** 64);
    expect(stored.number('mean')).toBe(1e100);
  });

  it('throws StoredItemError naming the item and the attribute when a required one is missing or mistyped', () => {
    const stored = readItem({ version: { S: '3' }, fp: { N: '1' } }, 'day summary DAY#2024-03-10');
    expect(thrown(() => stored.number('version')).message).toBe(
      'day summary DAY#2024-03-10 has no number "version" (it holds a string)',
    );
    expect(thrown(() => stored.string('fp')).message).toBe(
      'day summary DAY#2024-03-10 has no string "fp" (it holds a number)',
    );
    expect(thrown(() => stored.number('pages')).message).toBe(
      'day summary DAY#2024-03-10 has no number "pages"',
    );
    expect(thrown(() => stored.string('generation')).message).toBe(
      'day summary DAY#2024-03-10 has no string "generation"',
    );
  });

  it('answers undefined (or null) for a missing optional attribute, and still refuses a mistyped one', () => {
    const stored = readItem(
      { ahi: { NULL: true }, done: { N: '2' }, rejected: { M: { R_VALUE: { S: 'x' } } }, d: { S: 'x' } },
      'ledger item abc',
    );
    expect(stored.optionalNumber('records')).toBeUndefined();
    expect(stored.optionalString('planId')).toBeUndefined();
    expect(stored.optionalNumberMap('counts')).toBeUndefined();
    expect(stored.optionalBinary('plan')).toBeUndefined();
    expect(stored.nullableNumber('ahi')).toBeNull();
    expect(stored.nullableNumber('meanLeak')).toBeNull();
    expect(stored.nullableNumber('done')).toBe(2);
    expect(thrown(() => stored.optionalString('done')).message).toBe(
      'ledger item abc has no string "done" (it holds a number)',
    );
    expect(thrown(() => stored.optionalNumber('ahi')).message).toBe(
      'ledger item abc has no number "ahi" (it holds null)',
    );
    expect(thrown(() => stored.optionalNumberMap('rejected')).message).toBe(
      'ledger item abc has no map of numbers "rejected" (it holds a map)',
    );
    expect(thrown(() => stored.optionalBinary('d')).message).toBe(
      'ledger item abc has no binary "d" (it holds a string)',
    );
  });

  it('names the item again once its own keys can (named)', () => {
    const unnamed = readItem({ sk: { S: 'DAY#2024-03-10' } }, 'a day summary');
    const stored = unnamed.named(`day summary ${unnamed.string('sk')}`);
    expect(thrown(() => stored.number('version')).message).toBe(
      'day summary DAY#2024-03-10 has no number "version"',
    );
  });

  it('refuses an attribute of no DynamoDB type with StoredItemError', () => {
    expect(thrown(() => readItem({ x: {} as AttributeValue }, 'an item')).message).toMatch(
      /^an item is not an item this code reads/,
    );
  });
});

const id = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)) });
const count = fc.nat({ max: 2 ** 40 });
const plain = { noNullPrototype: true };
const summaryArb: fc.Arbitrary<DaySummary> = fc.record(
  {
    patientId: id,
    deviceId: id,
    dayNumber: fc.integer({ min: 0, max: LAST_DAY }),
    version: count,
    generation: fc.oneof(fc.constant(''), fc.base64String({ minLength: 8, maxLength: 8 })),
    pages: count,
    salts: fc.integer({ min: 1, max: 64 }),
    fingerprint: fc.stringMatching(/^[0-9a-f]{32}$/).map(fingerprintFromHex),
    inputs: fc.record(
      {
        therapySeconds: count,
        apneaHypopnea: count,
        leakSum: fc.bigInt({ min: -(2n ** 1100n), max: 2n ** 1100n }),
        leakCount: count,
        alarms: count,
        events: count,
      },
      plain,
    ),
  },
  plain,
);

describe('daySummaryItem / daySummaryFromItem', () => {
  it('round-trips every field (far-future days and new, generation-less summaries too)', () => {
    fc.assert(
      fc.property(summaryArb, (summary) => {
        expect(daySummaryFromItem(daySummaryItem(summary))).toStrictEqual(summary);
      }),
    );
  });

  it('throws StoredItemError naming the day and the attribute when a stored attribute is missing', () => {
    const item = daySummaryItem(fc.sample(summaryArb, { numRuns: 1, seed: 7 })[0]!);
    const sk = item['sk']?.S;
    for (const attribute of ['patientId', 'version', 'generation', 'fp', 'leakSum', 'count']) {
      const rest = { ...item };
      delete rest[attribute];
      expect(thrown(() => daySummaryFromItem(rest)).message).toMatch(
        new RegExp(`^day summary ${sk} has no (number|string) "${attribute}"$`),
      );
    }
  });
});

/** KPI values as stored: finite numbers (never -0: the KPIs are rounded from non-negative sums). */
const kpiNumber = finite.map((value) => value + 0);
const kpisArb: fc.Arbitrary<StoredKpis> = fc.record(
  {
    patientId: id,
    deviceId: id,
    asOf: fc.constant('2024-03-10'),
    windowStart: fc.constant('2024-01-26'),
    usageDays: fc.nat({ max: 45 }),
    compliancePct: kpiNumber,
    avgUsageMinutes: kpiNumber,
    ahi: fc.option(kpiNumber, { nil: null }),
    meanLeak: fc.option(kpiNumber, { nil: null }),
    alarms: count,
    events: count,
    computedAt: fc.nat({ max: 2 ** 45 }),
  },
  plain,
);

describe('kpiItem / kpisFromItem', () => {
  it('round-trips every field, a missing average as NULL', () => {
    fc.assert(
      fc.property(kpisArb, (kpis) => {
        const item = kpiItem(kpis);
        if (kpis.ahi === null) expect(item['ahi']).toStrictEqual({ NULL: true });
        expect(kpisFromItem(item)).toStrictEqual(kpis);
      }),
    );
  });

  it('reads a KPI item missing its values as zeros and empty texts, as before', () => {
    expect(kpisFromItem({})).toStrictEqual({
      patientId: '',
      deviceId: '',
      asOf: '',
      windowStart: '',
      usageDays: 0,
      compliancePct: 0,
      avgUsageMinutes: 0,
      ahi: null,
      meanLeak: null,
      alarms: 0,
      events: 0,
      computedAt: 0,
    });
  });
});
