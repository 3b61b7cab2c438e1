import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';

/** Where global-teardown finds the handle: globalSetup and globalTeardown share one global scope. */
export const DYNAMODB_LOCAL_HANDLE = '__dumpflowDynamoDbLocal';

/**
 * One DynamoDB Local for the whole integration run (starting Java costs ~1.5 s and ~200 MB).
 * Workers are forked after this runs, so they inherit the endpoint through the SDK's standard
 * environment variable and need no test-only configuration.
 */
export default async function globalSetup(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  (globalThis as Record<string, unknown>)[DYNAMODB_LOCAL_HANDLE] = dynamo satisfies DynamoDbLocal;
  process.env['AWS_ENDPOINT_URL_DYNAMODB'] = dynamo.endpoint;
  process.env['AWS_REGION'] ??= 'us-east-1';
  process.env['AWS_ACCESS_KEY_ID'] ??= 'local';
  process.env['AWS_SECRET_ACCESS_KEY'] ??= 'local';
}
