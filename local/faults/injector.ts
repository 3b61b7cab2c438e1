import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { hashInts, Random } from '../../generator/prng';
import { CrashInjector, type EnvironmentClient } from './crash';
import { injectDynamoDbFaults } from './dynamodb-faults';
import { FaultLog } from './fault-log';
import type { OutageProxy } from './outage-proxy';
import { PauseInjector } from './pause';
import type { FaultSpec } from './spec';

/** How long each `ddb-restart` outage lasts, and the pause around it. */
export const OUTAGE_MS = 2_500;
const OUTAGE_GAP_MS = 4_000;

/**
 * Runs one invocation under its environment's faults; `dead` when the environment is gone
 * afterwards. `messageIds`: the SQS messages it carries, which a crash fails.
 */
export type InvocationFaults = <R>(
  invoke: () => Promise<R>,
  messageIds?: readonly string[],
) => Promise<{ result: R; dead: boolean }>;

/**
 * The faults of one run, from one spec and one seed. Every injector draws from its own seeded
 * stream, so a run's injections are reproducible up to the scheduling of concurrent work.
 */
export class FaultInjector {
  readonly log = new FaultLog();
  private readonly crashes: CrashInjector | undefined;
  private readonly parserCrashes: CrashInjector | undefined;
  private readonly pauses = new Map<'parser' | 'worker', PauseInjector>();
  private readonly shuffle: Random;
  private outagesLeft: number;

  constructor(
    readonly spec: FaultSpec,
    private readonly seed = 1,
  ) {
    this.crashes =
      spec.crash > 0 ? new CrashInjector(spec.crash, new Random(hashInts(seed, 1)), this.log) : undefined;
    this.parserCrashes =
      spec.parserCrash > 0
        ? new CrashInjector(spec.parserCrash, new Random(hashInts(seed, 4)), this.log, 'parser')
        : undefined;
    this.shuffle = new Random(hashInts(seed, 2));
    this.outagesLeft = spec.ddbRestart;
  }

  /**
   * Throttling and unprocessed items on one execution environment's DynamoDB client, and the count
   * of the SDK's retries (outages cause them too, so it is attached whatever the spec).
   */
  instrumentDynamoDb(client: DynamoDBClient, environment: number): void {
    injectDynamoDbFaults(client, {
      throttle: this.spec.throttle,
      unprocessed: this.spec.unprocessed,
      conflict: this.spec.conflict,
      random: new Random(hashInts(this.seed, 3, environment)),
      log: this.log,
    });
  }

  /**
   * What one environment's invocations of `fn` run through: the crash switch (`crash` on the
   * worker's DynamoDB calls, `parser-crash` on the parser's DynamoDB, S3 and SQS calls) and the
   * pause point (`pause`, any call, `pauseMs` long); undefined when none is on.
   */
  invocationFaults(
    fn: 'parser' | 'worker',
    clients: { readonly dynamodb: DynamoDBClient; readonly others: readonly EnvironmentClient[] },
    pauseMs: number,
  ): InvocationFaults | undefined {
    const crashes = fn === 'worker' ? this.crashes : this.parserCrashes;
    const all = [clients.dynamodb, ...clients.others];
    const crash = crashes?.attach(fn === 'worker' ? [clients.dynamodb] : all);
    let pauses = this.pauses.get(fn);
    if (pauses === undefined && this.spec.pause > 0) {
      pauses = new PauseInjector(
        this.spec.pause,
        pauseMs,
        new Random(hashInts(this.seed, 5, fn === 'worker' ? 1 : 2)),
        this.log,
      );
      this.pauses.set(fn, pauses);
    }
    const pause = pauses?.attach(all);
    if (crash === undefined && pause === undefined) return undefined;
    return async (invoke, messageIds) => {
      const paused = pause === undefined ? invoke : () => pause(invoke);
      return crash === undefined ? { result: await paused(), dead: false } : crash(paused, messageIds);
    };
  }

  /** Each notification `s3-duplicate` times, in shuffled order (Fisher-Yates on the seeded stream). */
  notifications<T>(objects: readonly T[]): T[] {
    const copies = this.spec.s3Duplicate;
    if (copies === 1) return [...objects];
    const all = objects.flatMap((object) => Array.from({ length: copies }, () => object));
    for (let i = all.length - 1; i > 0; i--) {
      const j = this.shuffle.int(0, i);
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    this.log.duplicateNotifications += all.length - objects.length;
    return all;
  }

  /**
   * Runs the outages still owed (`ddb-restart`) one after another while `running()` holds: a gap,
   * DynamoDB unreachable for OUTAGE_MS, a gap. Outages a short phase did not reach are run in the
   * next one; the summary reports how many took place.
   */
  async runOutages(proxy: OutageProxy, running: () => boolean): Promise<void> {
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    while (this.outagesLeft > 0) {
      await pause(OUTAGE_GAP_MS / 2);
      if (!running()) return;
      this.outagesLeft -= 1;
      await proxy.outage(OUTAGE_MS);
      await pause(OUTAGE_GAP_MS / 2);
    }
  }
}
