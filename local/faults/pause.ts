import { setTimeout as sleep } from 'node:timers/promises';
import type { Random } from '../../generator/prng';
import { CallCounts } from './call-counts';
import { addToEach, type EnvironmentClient } from './crash';
import type { FaultLog } from './fault-log';

/**
 * Stalls invocations (`--faults pause=P`): with probability P an invocation stops at a random one
 * of its SDK calls for `pauseMs` (longer than the device-day lease and the message's visibility
 * timeout), then makes the call and carries on as if nothing happened. Meanwhile its lease has
 * expired and its message has been delivered again: what a Lambda whose host froze, or whose
 * request sat in a slow network path, does. The product must not let the late writer undo or
 * double what the second delivery did.
 */
export class PauseInjector {
  private readonly seen = new CallCounts();

  constructor(
    private readonly probability: number,
    private readonly pauseMs: number,
    private readonly random: Random,
    private readonly log: FaultLog,
  ) {}

  /** Attaches the environment's pause point; returns the wrapper its invocations run through. */
  attach(clients: readonly EnvironmentClient[]): <R>(invoke: () => Promise<R>) => Promise<R> {
    let pauseAt: number | undefined;
    let calls = 0;
    addToEach(
      clients,
      (next) => async (args) => {
        calls += 1;
        if (calls === pauseAt) {
          this.log.pauses += 1;
          await sleep(this.pauseMs);
        }
        return next(args);
      },
      'dumpflowFaultPause',
    );
    return async (invoke) => {
      calls = 0;
      pauseAt = undefined;
      if (this.random.chance(this.probability)) {
        pauseAt = this.random.int(1, Math.ceil(this.seen.mean(10)));
      }
      try {
        return await invoke();
      } finally {
        this.seen.record(calls);
      }
    };
  }
}
