import type { Context } from 'aws-lambda';
import { randomBytes, randomUUID } from 'node:crypto';

/** Local runs use the account id fauxqs puts in its ARNs, so every ARN in a local event agrees. */
export const LOCAL_ACCOUNT_ID = '000000000000';

export interface LambdaContextOptions {
  /** Logical function name, as the stack would name the function (e.g. "parser"). */
  readonly functionName: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /**
   * The function's configured timeout. Only reported through getRemainingTimeInMillis():
   * a local invocation is not killed when it runs over (see docs/local-runtime.md).
   * @default 30000
   */
  readonly timeoutMs?: number;
  /** @default 1024 */
  readonly memoryLimitInMB?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

/**
 * A Lambda invocation context as the Node.js runtime hands it to a handler: a fresh request id per
 * invocation, the ARN, log group and stream names Lambda would use, and a deadline that starts now.
 */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const { functionName } = options;
  const region = options.region ?? 'us-east-1';
  const clock = options.clock ?? Date.now;
  const deadline = clock() + (options.timeoutMs ?? 30_000);
  const callbackStyle = (): never => {
    throw new Error(
      `${functionName}: callback-style completion (done/fail/succeed) is not supported; return a promise from the handler`,
    );
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: logStreamName(new Date(clock())),
    getRemainingTimeInMillis: () => Math.max(0, deadline - clock()),
    done: callbackStyle,
    fail: callbackStyle,
    succeed: callbackStyle,
  };
}

/** Lambda's format: one stream per execution environment, `YYYY/MM/DD/[$LATEST]<32 hex>`. */
function logStreamName(date: Date): string {
  const day = date.toISOString().slice(0, 10).replaceAll('-', '/');
  return `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
}

/**
 * A handler as the Node.js 24 runtime calls it: event and context in, a promise out. Callback
 * handlers are not supported by that runtime, so the local pollers do not support them either.
 */
export type AsyncHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;
