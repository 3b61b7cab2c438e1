import { createLambdaContext } from '../../../local/lambda-context';

describe('createLambdaContext', () => {
  it('names the function the way Lambda does', () => {
    const context = createLambdaContext({
      functionName: 'parser',
      region: 'eu-central-1',
      memoryLimitInMB: 2048,
    });
    expect(context.functionName).toBe('parser');
    expect(context.functionVersion).toBe('$LATEST');
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:eu-central-1:000000000000:function:parser');
    expect(context.memoryLimitInMB).toBe('2048');
    expect(context.logGroupName).toBe('/aws/lambda/parser');
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives every invocation its own request id', () => {
    const a = createLambdaContext({ functionName: 'kpi' });
    const b = createLambdaContext({ functionName: 'kpi' });
    expect(a.awsRequestId).not.toBe(b.awsRequestId);
  });

  it('counts the remaining time down from the timeout and stops at zero', () => {
    let now = 1_000_000;
    const context = createLambdaContext({ functionName: 'writer', timeoutMs: 5000, clock: () => now });
    expect(context.getRemainingTimeInMillis()).toBe(5000);
    now += 1200;
    expect(context.getRemainingTimeInMillis()).toBe(3800);
    now += 10_000;
    expect(context.getRemainingTimeInMillis()).toBe(0);
  });

  it('refuses callback-style completion', () => {
    const context = createLambdaContext({ functionName: 'writer' });
    expect(() => context.succeed('ok')).toThrow(/return a promise/);
  });
});
