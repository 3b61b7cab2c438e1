import type { Context, ScheduledEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createLambdaContext } from '../lambda-context';

export interface ScheduleOptions {
  readonly functionName: string;
  readonly handler: (event: ScheduledEvent, context: Context) => Promise<void>;
  /** Time between two invocations (EventBridge's rate(...)). */
  readonly intervalMs: number;
  readonly region: string;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
}

export interface Schedule {
  start(): void;
  /** Invokes now (between ticks) and resolves when that invocation ended. */
  runNow(): Promise<void>;
  /** No invocation running. */
  isIdle(): boolean;
  readonly counters: { invocations: number; failures: number };
  stop(): Promise<void>;
}

/**
 * A scheduled rule's target, locally: one invocation every `intervalMs`, never two at once (a run
 * that outlasts the interval delays the next, where EventBridge would start another; the watchdog
 * copes with both). A failed invocation is logged and the schedule goes on, as EventBridge does.
 */
export function createSchedule(options: ScheduleOptions): Schedule {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const counters = { invocations: 0, failures: 0 };

  const invoke = (): Promise<void> => {
    if (running) return running;
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '000000000000',
      time: new Date().toISOString(),
      region: options.region,
      resources: [],
      detail: {},
    } as ScheduledEvent;
    counters.invocations++;
    running = options
      .handler(
        event,
        createLambdaContext({
          functionName: options.functionName,
          region: options.region,
          timeoutMs: options.timeoutMs,
        }),
      )
      .catch((error: unknown) => {
        counters.failures++;
        options.log(`${options.functionName}: scheduled invocation failed: ${String(error)}`);
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const tick = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void invoke().then(tick);
    }, options.intervalMs);
  };

  return {
    start: tick,
    runNow: invoke,
    isIdle: () => running === undefined,
    counters,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
