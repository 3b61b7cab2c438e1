/**
 * Decode benchmark: one ~1.1-million-record (35 MB) dump, CRC-checked, decoded and grouped by
 * day, compared with copying the same bytes. Run: `npx tsx bench/decode.ts [--runs N]`.
 * Target: under 80 ms per decode on one core, within 4x of Buffer.copy.
 */
import * as os from 'node:os';
import { generateSingleDump } from '../generator';
import { crc32Js, decodeDump, nativeCrc32 } from '../lambdas/core/dump';

export interface DecodeBenchOptions {
  /** Measured runs (after warm-up); the median is reported. @default 15 */
  readonly runs?: number;
  /** @default 5 */
  readonly warmup?: number;
  /** Days in the dump. @default 365 */
  readonly days?: number;
  /** Events per day; 3,050 x 365 gives ~1.1 million records. @default 3050 */
  readonly eventsPerDay?: number;
}

export interface DecodeBenchResult {
  readonly records: number;
  readonly bytes: number;
  readonly days: number;
  /** Median ms for decodeDump (whole-dump checks incl. both CRCs, records, day grouping). */
  readonly decodeMs: number;
  readonly decodeMinMs: number;
  readonly decodeMaxMs: number;
  readonly eventsPerSecond: number;
  /** Median ms to Buffer.copy the dump into a freshly allocated buffer (pays page faults, like decode's columns). */
  readonly copyFreshMs: number;
  /** Median ms to Buffer.copy into one reused buffer (pure memcpy). */
  readonly copyReusedMs: number;
  readonly ratioToFreshCopy: number;
  readonly ratioToReusedCopy: number;
  /** Median ms of the body CRC alone: native zlib.crc32 (undefined if this Node lacks it) and the JS fallback. */
  readonly crcNativeMs: number | undefined;
  readonly crcJsMs: number;
  readonly node: string;
  /** 1-minute load average when the run ended: on a shared 2-core box, medians above ~1 are contended. */
  readonly loadAverage: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(runs: number, warmup: number, fn: () => unknown): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return out;
}

export function runDecodeBench(options: DecodeBenchOptions = {}): DecodeBenchResult {
  const runs = options.runs ?? 15;
  const warmup = options.warmup ?? 5;
  const dump = generateSingleDump({ days: options.days ?? 365, eventsPerDay: options.eventsPerDay ?? 3050 });
  const bytes = Buffer.from(dump.bytes.buffer, dump.bytes.byteOffset, dump.bytes.byteLength);

  let days = 0;
  const decode = time(runs, warmup, () => {
    days = decodeDump(bytes).days.length;
  });
  const copyFresh = time(runs, warmup, () => {
    const target = Buffer.allocUnsafeSlow(bytes.length);
    bytes.copy(target);
    return target;
  });
  const reused = Buffer.allocUnsafeSlow(bytes.length);
  const copyReused = time(runs, warmup, () => bytes.copy(reused));
  const body = bytes.subarray(64, bytes.length - 8);
  const crcNative = nativeCrc32 === undefined ? undefined : time(runs, 2, () => nativeCrc32!(body, 0));
  const crcJs = time(runs, 2, () => crc32Js(body));

  const decodeMs = median(decode);
  const copyFreshMs = median(copyFresh);
  const copyReusedMs = median(copyReused);
  return {
    records: dump.events,
    bytes: bytes.length,
    days,
    decodeMs,
    decodeMinMs: Math.min(...decode),
    decodeMaxMs: Math.max(...decode),
    eventsPerSecond: dump.events / (decodeMs / 1000),
    copyFreshMs,
    copyReusedMs,
    ratioToFreshCopy: decodeMs / copyFreshMs,
    ratioToReusedCopy: decodeMs / copyReusedMs,
    crcNativeMs: crcNative === undefined ? undefined : median(crcNative),
    crcJsMs: median(crcJs),
    node: process.version,
    loadAverage: os.loadavg()[0]!,
  };
}

export function formatDecodeBench(r: DecodeBenchResult): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  return [
    `decode bench (${r.node}, one core, load average ${r.loadAverage.toFixed(1)}): ${n(r.records)} records, ${(r.bytes / 1e6).toFixed(1)} MB, ${r.days} days`,
    `  decodeDump        ${ms(r.decodeMs)} median (min ${ms(r.decodeMinMs)}, max ${ms(r.decodeMaxMs)})  ${(r.eventsPerSecond / 1e6).toFixed(1)} M events/s`,
    `  Buffer.copy       ${ms(r.copyFreshMs)} into a fresh buffer, ${ms(r.copyReusedMs)} into a reused one`,
    `  ratio             ${r.ratioToFreshCopy.toFixed(1)}x fresh copy, ${r.ratioToReusedCopy.toFixed(1)}x reused copy (target: < 80 ms, within 4x of copy)`,
    `  body CRC-32       ${r.crcNativeMs === undefined ? 'native n/a' : `${ms(r.crcNativeMs)} native zlib.crc32`}, ${ms(r.crcJsMs)} JS slicing-by-8 fallback`,
  ].join('\n');
}

if (require.main === module) {
  const at = process.argv.indexOf('--runs');
  const runs = at > 0 ? Number(process.argv[at + 1]) : undefined;
  console.log(formatDecodeBench(runDecodeBench(runs !== undefined && runs > 0 ? { runs } : {})));
}
