import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Command } from 'commander';
import { checkTableLayout } from '../lambdas/core/storage/layout';
import { openLocalState } from '../local/state';
import { CliError } from './errors';

/**
 * Where a reading command finds the table: on AWS `--table T` (the SDK's standard credentials,
 * region and endpoint variables), locally `--state DIR` (the directory `dumpflow local --state DIR`
 * kept, opened on a DynamoDB Local of its own for the command's duration).
 */
export interface TableSourceFlags {
  readonly table?: string;
  readonly state?: string;
}

export interface OpenTable {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  close(): Promise<void>;
}

export function tableSourceOptions(command: Command): Command {
  return command
    .option('--table <name>', 'the dumpflow table on AWS (standard AWS credentials and region)')
    .option('--state <dir>', 'the local state directory `dumpflow local --state DIR` wrote');
}

/** Opens the table the flags name, its storage layout checked; exactly one of --table and --state. */
export async function openTable(flags: TableSourceFlags): Promise<OpenTable> {
  if ((flags.table === undefined) === (flags.state === undefined)) {
    throw new CliError(
      'E_USAGE',
      'give exactly one of --table NAME (a table on AWS) and --state DIR (a local state directory)',
    );
  }
  if (flags.table !== undefined) {
    const dynamodb = new DynamoDBClient({ maxAttempts: 6 });
    try {
      await checkTableLayout(dynamodb, flags.table);
    } catch (error) {
      dynamodb.destroy();
      throw error;
    }
    return { dynamodb, tableName: flags.table, close: async () => dynamodb.destroy() };
  }
  const state = await openLocalState(flags.state!, { mustExist: true });
  const dynamodb = new DynamoDBClient({
    endpoint: state.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    dynamodb,
    tableName: state.tableName,
    async close() {
      dynamodb.destroy();
      await state.close();
    },
  };
}
