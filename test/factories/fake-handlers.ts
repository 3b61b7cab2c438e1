/**
 * Stand-ins for Lambda handlers, for the local event-source tests: each records what it was given
 * and how many invocations overlapped, and answers what the test tells it to.
 */
import type { Context } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FakeHandler<TEvent, TResult> {
  readonly handler: (event: TEvent, context: Context) => Promise<TResult>;
  /** Every invocation, in call order. */
  readonly calls: ReadonlyArray<{ readonly event: TEvent; readonly context: Context }>;
  /** Largest number of invocations that were running at once. */
  readonly peakConcurrency: number;
}

export interface FakeHandlerOptions<TEvent, TResult> {
  /** Decides the answer; may throw to fail the invocation. Called with the 0-based call index. */
  readonly respond?: (event: TEvent, call: number) => TResult;
  /** Time each invocation takes before answering. @default 0 */
  readonly delayMs?: number;
}

export function fakeHandler<TEvent, TResult = void>(
  options: FakeHandlerOptions<TEvent, TResult> = {},
): FakeHandler<TEvent, TResult> {
  const calls: { event: TEvent; context: Context }[] = [];
  let running = 0;
  let peak = 0;
  return {
    async handler(event, context) {
      const call = calls.length;
      calls.push({ event, context });
      running += 1;
      peak = Math.max(peak, running);
      try {
        if (options.delayMs) await sleep(options.delayMs);
        return options.respond ? options.respond(event, call) : (undefined as TResult);
      } finally {
        running -= 1;
      }
    },
    calls,
    get peakConcurrency() {
      return peak;
    },
  };
}
