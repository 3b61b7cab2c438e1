import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../../local/dynamodb-local';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startDynamoDbLocal', () => {
  it('answers on its endpoint once resolved and leaves no process behind after stop', async () => {
    const dynamo = await startDynamoDbLocal();
    const client = new DynamoDBClient({ endpoint: dynamo.endpoint, maxAttempts: 1 });
    try {
      expect(dynamo.endpoint).toBe(`http://127.0.0.1:${dynamo.port}`);
      await expect(client.send(new ListTablesCommand({}))).resolves.toMatchObject({ TableNames: [] });
      expect(alive(dynamo.pid)).toBe(true);
    } finally {
      client.destroy();
      await dynamo.stop();
    }
    expect(alive(dynamo.pid)).toBe(false);
    await expect(dynamo.stop()).resolves.toBeUndefined();
  }, 40_000);
});
