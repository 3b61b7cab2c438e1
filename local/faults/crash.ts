import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DumpflowError } from '../../lambdas/core/errors';
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

  /** Attaches the environment's switch; returns the wrapper its invocations run through. */
  attach(
    clients: EnvironmentClient | readonly EnvironmentClient[],
  ): <R>(invoke: () => Promise<R>) => Promise<{ result: R; dead: boolean }> {
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
    return async (invoke) => {
      plan = this.pick();
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
