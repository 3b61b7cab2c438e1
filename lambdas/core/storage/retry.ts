/** Injected timing, so retry logic is tested without waiting. */
export interface RetryTiming {
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  readonly random: () => number;
}

export const defaultTiming: RetryTiming = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** "Full jitter" backoff: uniform in [0, min(cap, base x 2^attempt)). attempt counts from 0. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'Throttling',
  'TooManyRequestsException',
]);

/** DynamoDB's "slow down" errors: retried with backoff, like unprocessed items. */
export function isThrottlingError(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name !== undefined && THROTTLING.has(name);
}
