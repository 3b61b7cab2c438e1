import { createLambdaContext, type AsyncHandler } from '../lambda-context';
import { readBatchResponse, type BatchOutcome } from './batch-response';

/** A batch consumer as an event source mapping sees it. */
export interface BatchFunction<TRecord> {
  readonly functionName: string;
  readonly region?: string;
  readonly timeoutMs?: number;
  readonly handler: AsyncHandler<{ Records: TRecord[] }, unknown>;
  /** The mapping's ReportBatchItemFailures: without it a returned response is a full success. */
  readonly reportBatchItemFailures: boolean;
  readonly log: (line: string) => void;
  readonly counters: { invocations: number; records: number; handlerErrors: number };
}

export interface BatchInvocation {
  readonly outcome: BatchOutcome;
  /** The handler threw (or its environment died): the whole batch failed. */
  readonly threw: boolean;
  readonly requestId: string;
  readonly functionArn: string;
}

/**
 * One invocation the way Lambda makes it for an SQS or stream mapping: a fresh context, the
 * handler's result read as a partial batch response against the batch's item ids, a throw
 * failing the whole batch. Both local pollers invoke through it.
 */
export async function invokeBatch<TRecord>(
  fn: BatchFunction<TRecord>,
  records: readonly TRecord[],
  itemIds: readonly string[],
): Promise<BatchInvocation> {
  const context = createLambdaContext({
    functionName: fn.functionName,
    ...(fn.region !== undefined && { region: fn.region }),
    ...(fn.timeoutMs !== undefined && { timeoutMs: fn.timeoutMs }),
  });
  const invocation = { requestId: context.awsRequestId, functionArn: context.invokedFunctionArn };
  fn.counters.invocations += 1;
  fn.counters.records += records.length;
  try {
    const response = await fn.handler({ Records: [...records] }, context);
    const outcome = fn.reportBatchItemFailures
      ? readBatchResponse(response, itemIds)
      : ({ kind: 'success' } as const);
    if (outcome.kind === 'failed') fn.log(`${fn.functionName}: whole batch failed: ${outcome.reason}`);
    return { outcome, threw: false, ...invocation };
  } catch (error) {
    fn.counters.handlerErrors += 1;
    fn.log(`${fn.functionName}: invocation ${context.awsRequestId} failed: ${describeError(error)}`);
    return { outcome: { kind: 'failed', reason: describeError(error) }, threw: true, ...invocation };
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
