import fc from 'fast-check';
import { generateSingleDump } from '../../../generator';
import { decodeDump } from '../../../lambdas/core/dump';
import {
  allocatePageEvents,
  Compression,
  decodePage,
  encodePage,
  PageFormatError,
  valueCode,
  type PageEvents,
} from '../../../lambdas/core/page/codec';

interface Row {
  readonly msOfDay: number;
  readonly seq: number;
  readonly type: number;
  readonly flags: number;
  readonly value: number;
  readonly duration: number;
}

function columns(rows: readonly Row[]): PageEvents {
  const page = allocatePageEvents(rows.length);
  rows.forEach((row, i) => {
    page.msOfDay[i] = row.msOfDay;
    page.seq[i] = row.seq;
    page.type[i] = row.type;
    page.flags[i] = row.flags;
    page.value[i] = row.value;
    page.duration[i] = row.duration;
  });
  return page;
}

function rowsOf(page: PageEvents): Row[] {
  return Array.from({ length: page.length }, (_, i) => ({
    msOfDay: page.msOfDay[i]!,
    seq: page.seq[i]!,
    type: page.type[i]!,
    flags: page.flags[i]!,
    value: page.value[i]!,
    duration: page.duration[i]!,
  }));
}

/** Identity order, stable: what a page holds for `rows`. */
function identityOrder(rows: readonly Row[]): Row[] {
  return rows
    .map((row, i) => ({ row, i }))
    .sort(
      (a, b) =>
        a.row.msOfDay - b.row.msOfDay || a.row.seq - b.row.seq || a.row.type - b.row.type || a.i - b.i,
    )
    .map(({ row }) => row);
}

function sameRows(a: readonly Row[], b: readonly Row[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (row, i) =>
        row.msOfDay === b[i]!.msOfDay &&
        row.seq === b[i]!.seq &&
        row.type === b[i]!.type &&
        row.flags === b[i]!.flags &&
        row.duration === b[i]!.duration &&
        Object.is(row.value, b[i]!.value),
    )
  );
}

/** Every finite double, by its bit pattern: subnormals, -0, NaN-adjacent exponents all included. */
const anyFiniteDouble = fc
  .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }))
  .map(([low, high]) => {
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, low, true);
    view.setUint32(4, high, true);
    return view.getFloat64(0, true);
  })
  .filter(Number.isFinite);

/** Values a device writes: short decimals, sample-like values, and any double at all. */
const value = fc.oneof(
  anyFiniteDouble,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -100_000, max: 100_000 }).map((m) => m / 10),
  fc.integer({ min: 0, max: 10_000 }).map((m) => m / 100),
  fc.constantFrom(
    0,
    -0,
    5e-324,
    -5e-324,
    Number.MAX_VALUE,
    -Number.MAX_VALUE,
    2.2250738585072014e-308,
    0.1 + 0.2,
  ),
);

const row: fc.Arbitrary<Row> = fc.record({
  msOfDay: fc.oneof(fc.integer({ min: 0, max: 86_399_999 }), fc.constantFrom(0, 86_399_999)),
  seq: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 0xffffffff)),
  type: fc.integer({ min: 0, max: 0xffff }),
  flags: fc.integer({ min: 0, max: 0xffff }),
  value,
  duration: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(0, 0xffffffff)),
});

/** Rows where some take another row's identity with their own content (conflicting copies). */
const rowsWithSharedIdentities = fc
  .tuple(fc.array(row, { maxLength: 300 }), fc.array(fc.nat(), { maxLength: 40 }))
  .map(([rows, picks]) => {
    const out = rows.slice();
    for (let k = 0; k + 1 < picks.length && out.length > 1; k += 2) {
      const from = out[picks[k]! % out.length]!;
      const to = picks[k + 1]! % out.length;
      out[to] = { ...out[to]!, msOfDay: from.msOfDay, seq: from.seq, type: from.type };
    }
    return out;
  });

describe('encodePage / decodePage', () => {
  it('gives back exactly the events, in identity order, for every compression', () => {
    fc.assert(
      fc.property(
        rowsWithSharedIdentities,
        fc.constantFrom(...Object.values(Compression)),
        (rows, compression) => {
          const decoded = decodePage(encodePage(columns(rows), { compression }));
          return sameRows(rowsOf(decoded), identityOrder(rows));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps the sign of zero, subnormals and full-precision values bit for bit', () => {
    const values = [
      -0,
      0,
      5e-324,
      -5e-324,
      2.2250738585072014e-308,
      0.1 + 0.2,
      1 / 3,
      -Number.MAX_VALUE,
      23.4,
      96,
    ];
    const rows = values.map((v, i) => ({ msOfDay: i, seq: i, type: 4, flags: 0, value: v, duration: 0 }));
    const decoded = rowsOf(decodePage(encodePage(columns(rows))));
    decoded.forEach((r, i) => expect(Object.is(r.value, values[i])).toBe(true));
  });

  it('stores short decimals as scaled integers and everything else raw', () => {
    expect(valueCode(23.4) % 8).toBe(1);
    expect(valueCode(96) % 8).toBe(0);
    expect(valueCode(-12.345) % 8).toBe(3);
    for (const raw of [-0, 5e-324, 0.1 + 0.2, 1 / 3, 1e300]) expect(valueCode(raw)).toBe(7);
  });

  it('encodes an empty page', () => {
    expect(decodePage(encodePage(allocatePageEvents(0))).length).toBe(0);
  });

  it('packs a generated device-day into a few bytes an event', () => {
    const dump = decodeDump(generateSingleDump({ days: 3, eventsPerDay: 3000, seed: 4 }).bytes);
    const day = dump.days.reduce((a, b) => (b.indices.length > a.indices.length ? b : a));
    const rows = Array.from(day.indices, (i) => ({
      msOfDay: dump.events.msOfDay[i]!,
      seq: dump.events.seq[i]!,
      type: dump.events.type[i]!,
      flags: dump.events.flags[i]!,
      value: dump.events.value[i]!,
      duration: dump.events.duration[i]!,
    }));
    const bytes = encodePage(columns(rows));
    expect(rows.length).toBeGreaterThan(2500);
    expect(bytes.length / rows.length).toBeLessThan(4);
    expect(sameRows(rowsOf(decodePage(bytes)), identityOrder(rows))).toBe(true);
  });

  it('refuses a corrupt or truncated page with a typed error, never anything else', () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 50 }),
        fc.constantFrom(...Object.values(Compression)),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
        (rows, compression, flips, cut) => {
          const page = encodePage(columns(rows), { compression }).slice();
          for (const [at, mask] of flips) page[at % page.length] = page[at % page.length]! ^ mask;
          const bytes = cut === undefined ? page : page.subarray(0, cut % page.length);
          try {
            decodePage(bytes);
            return true;
          } catch (error) {
            return error instanceof PageFormatError && error.code === 'E_PAGE_FORMAT';
          }
        },
      ),
      { numRuns: 500 },
    );
    expect(() => decodePage(Uint8Array.of(9, 0, 0, 0))).toThrow(/format 9 is not 1/);
    expect(() => decodePage(new Uint8Array())).toThrow(PageFormatError);
  });
});
