import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DumpflowError } from '../../lambdas/core/errors';
import { PIPELINE_SETTINGS } from '../../lambdas/shared/pipeline-settings';
import type { Random } from '../../generator/prng';
import type { FaultLog } from './fault-log';
import { CallCounts } from './call-counts';

/** An emulated execution environment died mid-invocation (injected by --faults crash or parser-crash). */
export class SimulatedCrashError extends DumpflowError {
  constructor(point: string, fault = 'crash') {
    super('E_INJECTED_CRASH', `the invocation died ${point} (injected by --faults ${fault})`);
  }
}

/** An environment's SDK clients: the calls a crash or a pause can land on. */
export type EnvironmentClient = DynamoDBClient | S3Client | SQSClient;

/**
 * Adds one middleware to clients of different services: the middleware only counts calls and
 * passes them on, so its types are the same for all of them.
 */
export function addToEach(
  clients: readonly EnvironmentClient[],
  middleware: InitializeMiddleware,
  name: string,
): void {
  for (const client of clients) {
    // Each client's stack is typed with its own service's inputs and outputs; this one reads none.
    (client.middlewareStack as DynamoDBClient['middlewareStack']).add(middleware as never, {
      step: 'initialize',
      priority: 'high',
      name,
    });
  }
}

/** An initialize-step middleware as the fault injectors write it: any service's command passes through. */
export type InitializeMiddleware = (
  next: (args: { input: unknown }) => Promise<unknown>,
  context: { commandName?: string },
) => (args: { input: unknown }) => Promise<unknown>;

/**
 * Crashed invocations one message may be in: half the failed receives the deployed maxReceiveCount
 * tolerates (5 receives, one must succeed). A crash fails its whole batch, and messages that failed
 * together come back together and keep sharing invocations, so independent draws could put one
 * group of messages in crash after crash (seed 11 crashes 6 of the first 18 worker invocations)
 * until the queue moved them to the DLQ: a fact about the draw, not the pipeline. Past this, a
 * crash drawn for a batch holding such a message is not injected; the rest of the budget is left
 * to the failures the pipeline's own retries must absorb, which an empty DLQ still vouches for.
 */
export const MAX_CRASHES_PER_MESSAGE = Math.floor((PIPELINE_SETTINGS.maxReceiveCount - 1) / 2);

/**
 * Where one invocation dies: at its n-th DynamoDB call (before the request leaves or after the
 * response came back, i.e. the call took effect), after its work but before its response reaches
 * the event source (the batch is delivered again), or after reporting (nothing is lost; the
 * environment is gone).
 */
type CrashPoint =
  | { readonly kind: 'call'; readonly call: number; readonly after: boolean }
  | { readonly kind: 'before-report' }
  | { readonly kind: 'after-report' };

/**
 * Kills invocations: the worker's (`crash`, at its DynamoDB calls) or the parser's (`parser-crash`,
 * at its DynamoDB, S3 and SQS calls, so also between startProcessing and the last chunk sent).
 * Each emulated environment gets a switch on its clients; an invocation picks its fate before it starts. Once dead, every further call of that environment
 * fails at once (a dead process sends nothing), the invocation's promise rejects instead of
 * returning its batch response, and the environment is never used again.
 */
export class CrashInjector {
  private readonly seen = new CallCounts();
  /** Crashed invocations each SQS message was in (by message id). */
  private readonly crashedIn = new Map<string, number>();

  constructor(
    private readonly probability: number,
    private readonly random: Random,
    private readonly log: FaultLog,
    private readonly fn: 'worker' | 'parser' = 'worker',
  ) {}

  private pick(): CrashPoint | undefined {
    if (!this.random.chance(this.probability)) return undefined;
    const roll = this.random.next();
    if (roll < 0.15) return { kind: 'before-report' };
    if (roll < 0.25) return { kind: 'after-report' };
    // Most parser invocations are short (a duplicate notification: claim, read the ledger, done);
    // the mean would keep its crashes among the first calls of a fresh dump and never reach the
    // window between startProcessing and the last send. Its calls are drawn up to the longest seen.
    const typical = this.fn === 'parser' ? this.seen.longest(20) : this.seen.mean(20);
    return { kind: 'call', call: this.random.int(1, Math.ceil(typical)), after: this.random.chance(0.5) };
  }

  /** True when `plan` would fail a batch holding a message already in MAX_CRASHES_PER_MESSAGE crashed invocations. */
  private spares(plan: CrashPoint | undefined, messageIds: readonly string[]): boolean {
    if (plan === undefined || plan.kind === 'after-report') return false;
    return messageIds.some((id) => (this.crashedIn.get(id) ?? 0) >= MAX_CRASHES_PER_MESSAGE);
  }

  /**
   * Attaches the environment's switch; returns the wrapper its invocations run through, given the
   * ids of the SQS messages an invocation carries (none: no cap).
   */
  attach(
    clients: EnvironmentClient | readonly EnvironmentClient[],
  ): <R>(invoke: () => Promise<R>, messageIds?: readonly string[]) => Promise<{ result: R; dead: boolean }> {
    const fault = this.fn === 'worker' ? 'crash' : 'parser-crash';
    let plan: CrashPoint | undefined;
    let calls = 0;
    let deathPoint: string | undefined;
    const die = (point: string): never => {
      deathPoint ??= point;
      throw new SimulatedCrashError(point, fault);
    };
    addToEach(
      Array.isArray(clients) ? clients : [clients as EnvironmentClient],
      (next, context) => async (args) => {
        if (deathPoint !== undefined) die(deathPoint);
        calls += 1;
        const command = (context.commandName ?? 'a call').replace(/Command$/, '');
        if (plan?.kind === 'call' && plan.call === calls && !plan.after) die(`before ${command}`);
        const result = await next(args);
        if (deathPoint !== undefined) die(deathPoint);
        if (plan?.kind === 'call' && plan.call === calls && plan.after) die(`after ${command}`);
        return result;
      },
      'dumpflowFaultCrash',
    );
    return async (invoke, messageIds = []) => {
      // Drawn even when spared, so a seed's later draws do not depend on how batches fell.
      plan = this.pick();
      if (this.spares(plan, messageIds)) plan = undefined;
      calls = 0;
      let result: Awaited<ReturnType<typeof invoke>>;
      try {
        result = await invoke();
      } catch (error) {
        if (deathPoint === undefined) throw error;
        result = undefined as never;
      } finally {
        this.seen.record(calls);
      }
      // A call number past the invocation's last call means it died once its work was done.
      if (deathPoint === undefined && (plan?.kind === 'call' || plan?.kind === 'before-report')) {
        deathPoint = 'before reporting';
      }
      if (deathPoint !== undefined) {
        for (const id of messageIds) this.crashedIn.set(id, (this.crashedIn.get(id) ?? 0) + 1);
        this.log.crashed(deathPoint, this.fn);
        throw new SimulatedCrashError(deathPoint, fault);
      }
      if (plan?.kind === 'after-report') {
        this.log.crashed('after reporting', this.fn);
        return { result, dead: true };
      }
      return { result, dead: false };
    };
  }
}
