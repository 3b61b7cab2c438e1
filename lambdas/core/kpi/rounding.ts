/**
 * Rounds the exact rational numerator/denominator to `decimals` places, half away from zero,
 * in integer arithmetic, and returns the nearest double to that decimal (what JSON carries).
 * Rounding a float approximation instead would get ties such as 2.675 or 0.125 wrong.
 */
export function roundRational(numerator: bigint, denominator: bigint, decimals: number): number {
  if (denominator === 0n) throw new RangeError('denominator is zero');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const negative = numerator < 0n;
  const magnitude = (negative ? -numerator : numerator) * 10n ** BigInt(decimals);
  const quotient = magnitude / denominator;
  const remainder = magnitude % denominator;
  const rounded = 2n * remainder >= denominator ? quotient + 1n : quotient;
  return decimalToNumber(negative ? -rounded : rounded, decimals);
}

/** units x 10^-decimals as the nearest double, via its decimal text (exact parse). */
function decimalToNumber(units: bigint, decimals: number): number {
  if (decimals === 0) return Number(units);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
  const text = `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  const value = Number(text);
  return negative ? -value : value;
}
