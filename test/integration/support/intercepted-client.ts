import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export type Handler = (args: { input: unknown }) => Promise<{ output: unknown }>;

/** A client whose every command passes through `intercept` before the SDK's own retries. */
export function interceptedClient(
  intercept: (commandName: string, args: { input: unknown }, next: Handler) => Promise<{ output: unknown }>,
): DynamoDBClient {
  const client = new DynamoDBClient({});
  type Middleware = (next: Handler, context: { commandName?: string }) => Handler;
  const stack = client.middlewareStack as unknown as { add(middleware: Middleware, options: object): void };
  stack.add((next, context) => (args) => intercept(context.commandName ?? '', args, next), {
    step: 'initialize',
    name: 'dumpflowFaultInjection',
  });
  return client;
}
