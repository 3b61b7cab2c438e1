import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { TABLE_DEFINITION } from '../../../lambdas/core/storage/table';
import { createTestTable, useTestTable } from '../support/table';

describe('global DynamoDB Local', () => {
  it('is reachable through the standard endpoint variable', () => {
    expect(process.env['AWS_ENDPOINT_URL_DYNAMODB']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('createTestTable', () => {
  const table = useTestTable({ prefix: 'support' });

  it('creates a table with the production key schema and no stream by default', async () => {
    const { Table } = await table.current.dynamodb.send(
      new DescribeTableCommand({ TableName: table.current.tableName }),
    );
    expect(Table?.KeySchema).toEqual([
      { AttributeName: TABLE_DEFINITION.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: TABLE_DEFINITION.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(Table?.StreamSpecification?.StreamEnabled ?? false).toBe(false);
  });

  it('enables the NEW_IMAGE stream when asked and deletes the table afterwards', async () => {
    const streamed = await createTestTable({ stream: true, prefix: 'streamed' });
    const { Table } = await streamed.dynamodb.send(
      new DescribeTableCommand({ TableName: streamed.tableName }),
    );
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    await streamed.delete();
    const { TableNames } = await table.current.dynamodb.send(new ListTablesCommand({}));
    expect(TableNames).not.toContain(streamed.tableName);
  });
});
