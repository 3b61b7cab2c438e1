import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
  ScheduledEvent,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import * as path from 'node:path';
import { SimulatedCrashError } from './faults/crash';
import type { InvocationFaults } from './faults/injector';

type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
type StreamHandler = (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse>;
type ScheduledHandler = (event: ScheduledEvent, context: Context) => Promise<void>;

/**
 * One emulated Lambda execution environment: a fresh instance of the handler modules with their
 * own module state and SDK clients. Lambda runs one invocation per environment at a time, and the
 * handlers rely on it (their module-level SDK clients, Powertools logger keys and metrics buffer
 * belong to the invocation running), so every concurrent local invocation gets its own.
 */
export interface FunctionEnvironment {
  readonly parser: SqsHandler;
  readonly worker: SqsHandler;
  readonly kpi: StreamHandler;
  readonly watchdog: ScheduledHandler;
  /** The environment's DynamoDB singleton (metered by the runtime). */
  readonly dynamodb: DynamoDBClient;
  /** Its S3 and SQS singletons (where `parser-crash` and `pause` also land). */
  readonly s3: S3Client;
  readonly sqs: SQSClient;
}

/**
 * Loads a fresh copy of lambdas/ (handlers, their shared singletons and everything they import
 * from the repository) by dropping it from the require cache first. The process environment must
 * already hold the endpoints: the modules read it when they load. Under jest, whose module
 * registry ignores require.cache, pass a loader built on jest.isolateModules instead.
 */
export function loadFreshEnvironment(): FunctionEnvironment {
  const root = path.resolve(__dirname, '..', 'lambdas') + path.sep;
  for (const id of Object.keys(require.cache)) if (id.startsWith(root)) delete require.cache[id];
  // require, not import(): under tsx's CommonJS hook a dynamic import() goes to Node's ESM loader,
  // which neither resolves extensionless TypeScript paths nor reloads a module.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const parser = require('../lambdas/handlers/parser') as typeof import('../lambdas/handlers/parser');
  const worker = require('../lambdas/handlers/worker') as typeof import('../lambdas/handlers/worker');
  const kpi = require('../lambdas/handlers/kpi') as typeof import('../lambdas/handlers/kpi');
  const watchdog = require('../lambdas/handlers/watchdog') as typeof import('../lambdas/handlers/watchdog');
  const clients = require('../lambdas/shared/clients') as typeof import('../lambdas/shared/clients');
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    parser: parser.handler,
    worker: worker.handler,
    kpi: kpi.handler,
    watchdog: watchdog.handler,
    dynamodb: clients.dynamodb,
    s3: clients.s3,
    sqs: clients.sqs,
  };
}

/**
 * A handler that runs each invocation in an environment no other invocation is using, creating
 * one when all are busy: what Lambda does when it scales out.
 */
export function pooled<E, R>(
  load: () => FunctionEnvironment,
  pick: (env: FunctionEnvironment) => (event: E, context: Context) => Promise<R>,
  faultsOf?: (env: FunctionEnvironment) => InvocationFaults | undefined,
): (event: E, context: Context) => Promise<R> {
  interface Slot {
    readonly handler: (event: E, context: Context) => Promise<R>;
    readonly run: InvocationFaults | undefined;
  }
  const free: Slot[] = [];
  const create = (): Slot => {
    const env = load();
    return { handler: pick(env), run: faultsOf?.(env) };
  };
  return async (event, context) => {
    const slot = free.pop() ?? create();
    // A crashed environment is gone: Lambda starts a new one for the next invocation.
    let alive = true;
    try {
      if (slot.run === undefined) return await slot.handler(event, context);
      const { result, dead } = await slot.run(() => slot.handler(event, context), messageIdsOf(event));
      alive = !dead;
      return result;
    } catch (error) {
      if (error instanceof SimulatedCrashError) alive = false;
      throw error;
    } finally {
      if (alive) free.push(slot);
    }
  };
}

/** The ids of an SQS event's messages; none for other events. */
function messageIdsOf(event: unknown): string[] {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) return [];
  return records.flatMap((r: { messageId?: unknown }) =>
    typeof r.messageId === 'string' ? [r.messageId] : [],
  );
}
