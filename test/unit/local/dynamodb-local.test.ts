import { DumpflowError } from '../../../lambdas/core/errors';
import { JavaMissingError, startDynamoDbLocal } from '../../../local/dynamodb-local';

describe('startDynamoDbLocal', () => {
  it('fails with E_JAVA and an install hint when java cannot be spawned', async () => {
    const start = startDynamoDbLocal({ javaPath: '/nonexistent/bin/java-for-dumpflow-test' });
    await expect(start).rejects.toBeInstanceOf(JavaMissingError);
    await expect(start).rejects.toBeInstanceOf(DumpflowError);
    await expect(start).rejects.toMatchObject({
      code: 'E_JAVA',
      message: expect.stringContaining('Java 17+ is required to run DynamoDB Local'),
    });
  });
});
