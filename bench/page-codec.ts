/**
 * Event page codec benchmark (lambdas/core/page/codec.ts): bytes per event and encode/decode time
 * of the three compressions the format knows (none, deflate-raw level 9, brotli quality 5), on
 * generated device-days and on days shaped like the independent Python writer's (short decimals
 * plus random doubles for unknown types, bench/synthetic-days.ts), one page per day; then the
 * same page bodies through other deflate levels and brotli qualities, to show where quality 5 sits.
 * Pure CPU, one core, no DynamoDB. Run: `npx tsx bench/page-codec.ts [--days 60] [--runs 7] [--json]`.
 */
import { parseArgs } from 'node:util';
import * as os from 'node:os';
import { brotliCompressSync, constants, deflateRawSync } from 'node:zlib';
import { generateSingleDump } from '../generator';
import { Compression, decodePage, encodePage, type PageEvents } from '../lambdas/core/page/codec';
import { dumpDays, foreignLikeDay } from './synthetic-days';

export interface CodecFigures {
  readonly codec: string;
  readonly bytesPerEvent: number;
  readonly encodeMsPer1k: number;
  /** Null where only the body was compressed (the sweep), not a whole page decoded. */
  readonly decodeMsPer1k: number | null;
}

export interface DataSetFigures {
  readonly name: string;
  readonly days: number;
  readonly events: number;
  readonly codecs: readonly CodecFigures[];
  /** Page bodies (the columns before compression) through other settings. */
  readonly sweep: readonly CodecFigures[];
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median over `runs` of the ms one pass over every day takes, after one warm-up pass. */
function time(runs: number, pass: () => void): number {
  pass();
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    pass();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

/** The body of an uncompressed page: after format, compression, count and bodyBytes. */
export function pageBody(page: Uint8Array): Uint8Array {
  let at = 2;
  for (let varints = 0; varints < 2; varints++) while (page[at++]! >= 0x80);
  return page.subarray(at);
}

function measureSet(name: string, days: readonly PageEvents[], runs: number): DataSetFigures {
  const events = days.reduce((sum, d) => sum + d.length, 0);
  const per1k = (ms: number) => (ms / events) * 1000;
  const codecs = (['none', 'deflate', 'brotli'] as const).map((codec): CodecFigures => {
    const compression = Compression[codec];
    const pages = days.map((d) => encodePage(d, { compression }));
    const bytes = pages.reduce((sum, p) => sum + p.length, 0);
    const encodeMs = time(runs, () => days.forEach((d) => encodePage(d, { compression })));
    const decodeMs = time(runs, () => pages.forEach((p) => decodePage(p)));
    const label =
      codec === 'deflate' ? 'deflate-raw level 9' : codec === 'brotli' ? 'brotli quality 5' : 'none';
    return {
      codec: label,
      bytesPerEvent: bytes / events,
      encodeMsPer1k: per1k(encodeMs),
      decodeMsPer1k: per1k(decodeMs),
    };
  });
  const bodies = days.map((d) => pageBody(encodePage(d, { compression: Compression.none })));
  const settings: Array<[string, (body: Uint8Array) => Uint8Array]> = [
    ...[1, 6, 9].map((level): [string, (b: Uint8Array) => Uint8Array] => [
      `deflate-raw level ${level}`,
      (b) => deflateRawSync(b, { level, memLevel: 9 }),
    ]),
    ...[1, 3, 4, 5, 6, 8, 11].map((quality): [string, (b: Uint8Array) => Uint8Array] => [
      `brotli quality ${quality}`,
      (b) =>
        brotliCompressSync(b, {
          params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: b.length },
        }),
    ]),
  ];
  const sweep = settings.map(([label, compress]): CodecFigures => {
    const bytes = bodies.reduce((sum, b) => sum + compress(b).length, 0);
    const encodeMs = time(runs, () => bodies.forEach((b) => compress(b)));
    // Header bytes (format, compression, two varints) are the same for every setting: ~6 per page.
    return {
      codec: label,
      bytesPerEvent: (bytes + 6 * days.length) / events,
      encodeMsPer1k: per1k(encodeMs),
      decodeMsPer1k: null,
    };
  });
  return { name, days: days.length, events, codecs, sweep };
}

export function runPageCodecBench(options: { days?: number; runs?: number } = {}): DataSetFigures[] {
  const days = options.days ?? 60;
  const runs = options.runs ?? 7;
  // Whole generated device-days with therapy (nights without therapy hold only a handful of events).
  const generated = dumpDays(generateSingleDump({ days, eventsPerDay: 3000, firstDevice: 7 }).bytes).filter(
    (d) => d.length >= 1000,
  );
  const foreign = Array.from({ length: days }, (_, i) => foreignLikeDay(20_261_129 + i, 3000));
  return [
    measureSet('generated days (dumpflow generate, 3,000 events/day)', generated, runs),
    measureSet('foreign-like days (mdmp_writer.py value styles)', foreign, runs),
  ];
}

export function formatPageCodecBench(sets: readonly DataSetFigures[]): string {
  const row = (c: CodecFigures) =>
    `  ${c.codec.padEnd(22)} ${c.bytesPerEvent.toFixed(2).padStart(6)} B/event  encode ${c.encodeMsPer1k.toFixed(3)} ms/1k` +
    (c.decodeMsPer1k === null ? '' : `  decode ${c.decodeMsPer1k.toFixed(3)} ms/1k`);
  return sets
    .flatMap((s) => [
      `${s.name}: ${s.days} days, ${s.events.toLocaleString('en-US')} events, one page per day`,
      ...s.codecs.map(row),
      '  page bodies through other settings:',
      ...s.sweep.map(row),
    ])
    .join('\n');
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { days: { type: 'string' }, runs: { type: 'string' }, json: { type: 'boolean' } },
  });
  const load = os.loadavg()[0]!;
  const sets = runPageCodecBench({
    ...(values.days !== undefined && { days: Number(values.days) }),
    ...(values.runs !== undefined && { runs: Number(values.runs) }),
  });
  process.stdout.write(
    values.json === true
      ? `${JSON.stringify({ loadAverageAtStart: load, loadAverageAtEnd: os.loadavg()[0], sets }, null, 2)}\n`
      : `${formatPageCodecBench(sets)}\nload average ${load.toFixed(2)} at start, ${os.loadavg()[0]!.toFixed(2)} at end\n`,
  );
}
