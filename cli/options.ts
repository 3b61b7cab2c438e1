import { InvalidArgumentError } from 'commander';

/** Option parsers for commander: a bad value becomes commander's own one-line usage error. */

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('expected a whole number of 1 or more.');
  }
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('expected a whole number of 0 or more.');
  }
  return n;
}

/** An ISO date/time (e.g. 2025-06-01T12:00:00Z) or milliseconds since the epoch. */
export function instant(value: string): number {
  const ms = /^\d+$/.test(value.trim()) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(ms)) {
    throw new InvalidArgumentError(
      'expected an ISO date-time such as 2025-06-01T12:00:00Z, or milliseconds.',
    );
  }
  return ms;
}
