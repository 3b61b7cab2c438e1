import { mkdir, open, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DumpflowError } from '../lambdas/core/errors';
import { checkTableLayout } from '../lambdas/core/storage/layout';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';

/**
 * Local state that lasts: `--state DIR` keeps the local table in DIR (DynamoDB Local's -dbPath
 * with -sharedDb) instead of in memory, so `dumpflow local --state DIR` continues on the data of
 * the previous run and `dumpflow events|kpis --state DIR` read it. One process at a time owns a
 * state directory (a lock file beside the database), since DynamoDB Local does not share its file.
 */

/** The table inside every state directory. */
export const STATE_TABLE = 'dumpflow';
const LOCK_FILE = 'dumpflow.lock';

export class StateInUseError extends DumpflowError {
  constructor(dir: string, pid: number) {
    super(
      'E_STATE_IN_USE',
      `${dir} is in use by another dumpflow process (pid ${pid}); wait for it to finish or stop it`,
    );
  }
}

export class NoStateError extends DumpflowError {
  constructor(dir: string) {
    super(
      'E_NO_STATE',
      `${dir} holds no dumpflow table; run \`dumpflow local --state ${dir}\` first to store something there`,
    );
  }
}

export interface LocalState {
  readonly dir: string;
  readonly endpoint: string;
  readonly tableName: string;
  /** Stops DynamoDB Local and releases the directory. Idempotent. */
  close(): Promise<void>;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function takeLock(dir: string): Promise<() => Promise<void>> {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new StateInUseError(dir, holder);
      }
      // The process that held it is gone (killed before it could clean up): the lock is stale.
      await rm(file, { force: true });
    }
  }
  throw new StateInUseError(dir, -1);
}

/** True when the state's table exists (DescribeTable on the state's DynamoDB Local). */
export async function stateTableExists(endpoint: string): Promise<boolean> {
  const client = new DynamoDBClient({ endpoint, region: 'local', credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(new DescribeTableCommand({ TableName: STATE_TABLE }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  } finally {
    client.destroy();
  }
}

/**
 * Opens DIR (created if missing) on a DynamoDB Local of its own. With `mustExist`, a directory
 * without a dumpflow table is refused (NoStateError) and the table's layout is checked: what the
 * readers use. The local runtime creates the table itself when it is missing.
 */
export async function openLocalState(
  dir: string,
  options: { readonly mustExist?: boolean } = {},
): Promise<LocalState> {
  const absolute = path.resolve(dir);
  await mkdir(absolute, { recursive: true });
  const release = await takeLock(absolute);
  let dynamo: DynamoDbLocal | undefined;
  try {
    dynamo = await startDynamoDbLocal({ dbPath: absolute });
    if (options.mustExist === true) {
      if (!(await stateTableExists(dynamo.endpoint))) throw new NoStateError(dir);
      const client = new DynamoDBClient({
        endpoint: dynamo.endpoint,
        region: 'local',
        credentials: LOCAL_CREDENTIALS,
      });
      try {
        await checkTableLayout(client, STATE_TABLE);
      } finally {
        client.destroy();
      }
    }
  } catch (error) {
    await dynamo?.stop();
    await release();
    throw error;
  }
  let closed = false;
  const running = dynamo;
  return {
    dir: absolute,
    endpoint: running.endpoint,
    tableName: STATE_TABLE,
    async close() {
      if (closed) return;
      closed = true;
      await running.stop();
      await release();
    },
  };
}
