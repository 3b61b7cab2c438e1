import type { DynamoDbLocal } from '../../local/dynamodb-local';
import { DYNAMODB_LOCAL_HANDLE } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const scope = globalThis as Record<string, unknown>;
  const dynamo = scope[DYNAMODB_LOCAL_HANDLE] as DynamoDbLocal | undefined;
  delete scope[DYNAMODB_LOCAL_HANDLE];
  await dynamo?.stop();
}
