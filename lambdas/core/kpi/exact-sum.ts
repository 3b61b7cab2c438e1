/**
 * Exact sums of doubles. Every finite double is an integer multiple of 2^-1074, so scaling by
 * 2^1074 turns it into a BigInt without rounding; sums of those are exact, so a day's leak total
 * and a window's mean do not depend on the order events were added in.
 *
 * Stored as text `[-]{hex}p{exp}` meaning hex x 2^exp with an odd mantissa (e.g. 23.5 = "2fp-1",
 * zero = "0"): a few dozen characters for realistic values instead of the ~330 digits of the
 * scaled integer.
 */

const SCALE_BITS = 1074n;
const scratchF64 = new Float64Array(1);
const scratchU32 = new Uint32Array(scratchF64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** value x 2^1074 as an exact BigInt. */
export function scaledDouble(value: number): bigint {
  if (!Number.isFinite(value)) throw new RangeError(`cannot sum a non-finite value: ${value}`);
  if (value === 0) return 0n;
  scratchF64[0] = value;
  const low = scratchU32[LITTLE_ENDIAN ? 0 : 1]!;
  const high = scratchU32[LITTLE_ENDIAN ? 1 : 0]!;
  const exponent = (high >>> 20) & 0x7ff;
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  // Normal: (2^52 + f) x 2^(e-1075); subnormal: f x 2^-1074.
  const scaled = exponent === 0 ? fraction : (fraction | (1n << 52n)) << BigInt(exponent - 1);
  return high >>> 31 ? -scaled : scaled;
}

/** 2^1074: the denominator of every scaled sum. */
export const SCALE = 1n << SCALE_BITS;

export function formatScaledSum(scaled: bigint): string {
  if (scaled === 0n) return '0';
  const negative = scaled < 0n;
  let mantissa = negative ? -scaled : scaled;
  const lowestBit = mantissa & -mantissa;
  const shift = BigInt(lowestBit.toString(2).length - 1);
  mantissa >>= shift;
  return `${negative ? '-' : ''}${mantissa.toString(16)}p${shift - SCALE_BITS}`;
}

const SUM_TEXT = /^(-?)([0-9a-f]+)p(-?\d+)$/;

export function parseScaledSum(text: string): bigint {
  if (text === '0') return 0n;
  const match = SUM_TEXT.exec(text);
  if (match === null) throw new RangeError(`not an exact sum: "${text}"`);
  const shift = BigInt(match[3]!) + SCALE_BITS;
  if (shift < 0n) throw new RangeError(`exact sum below 2^-1074: "${text}"`);
  const magnitude = BigInt(`0x${match[2]!}`) << shift;
  return match[1] === '-' ? -magnitude : magnitude;
}
