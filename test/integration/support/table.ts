import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTable } from '../../../lambdas/core/storage/table';

export interface TestTable {
  readonly tableName: string;
  readonly dynamodb: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  /** Deletes the table and closes the clients. Idempotent. */
  delete(): Promise<void>;
}

export interface TestTableOptions {
  /** A stream costs DynamoDB Local a lot once a table is big; only KPI/stream tests need one. @default false */
  readonly stream?: boolean;
  /** Readable part of the generated name. @default 'test' */
  readonly prefix?: string;
}

/**
 * Creates a uniquely named table with the production key schema on the DynamoDB Local that
 * global-setup started (found through AWS_ENDPOINT_URL_DYNAMODB like any SDK client).
 */
export async function createTestTable(options: TestTableOptions = {}): Promise<TestTable> {
  if (!process.env['AWS_ENDPOINT_URL_DYNAMODB']) {
    throw new Error(
      'AWS_ENDPOINT_URL_DYNAMODB is not set: run integration tests through jest --selectProjects integration',
    );
  }
  const client = new DynamoDBClient({});
  const doc = DynamoDBDocumentClient.from(client);
  const tableName = `${options.prefix ?? 'test'}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  await createTable(client, tableName, { stream: options.stream ?? false });
  let deleted = false;
  return {
    tableName,
    dynamodb: client,
    doc,
    async delete() {
      if (deleted) return;
      deleted = true;
      try {
        await client.send(new DeleteTableCommand({ TableName: tableName }));
      } catch (error) {
        if (!(error instanceof ResourceNotFoundException)) throw error;
      } finally {
        doc.destroy();
        client.destroy();
      }
    },
  };
}

/**
 * jest helper: a fresh table for the enclosing describe block, deleted afterwards.
 * Read `.current` inside tests (it is set in beforeAll).
 */
export function useTestTable(options: TestTableOptions = {}): { readonly current: TestTable } {
  const holder: { current?: TestTable } = {};
  beforeAll(async () => {
    holder.current = await createTestTable(options);
  }, 30_000);
  afterAll(async () => {
    await holder.current?.delete();
  });
  return {
    get current(): TestTable {
      if (!holder.current)
        throw new Error('useTestTable: the table is created in beforeAll; read it inside a test');
      return holder.current;
    },
  };
}
