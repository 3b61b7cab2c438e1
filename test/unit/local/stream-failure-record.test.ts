import { streamFailureRecord } from '../../../local/event-sources/stream-failure-record';
import { aLambdaStreamRecord } from '../../factories/stream-records';

describe('streamFailureRecord', () => {
  const base = {
    shardId: 'shardId-00000001-abc',
    streamArn: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x',
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:kpi',
    requestId: 'req-1',
    invokeCount: 3,
    now: new Date('2024-03-12T09:00:00.000Z'),
  };

  it('describes where the failed records are, as Lambda’s on-failure record does', () => {
    const records = [
      aLambdaStreamRecord({ sequenceNumber: '100' }),
      aLambdaStreamRecord({ sequenceNumber: '105' }),
    ];
    expect(streamFailureRecord({ ...base, records, handlerThrew: true })).toEqual({
      requestContext: {
        requestId: 'req-1',
        functionArn: base.functionArn,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: '2024-03-12T09:00:00.000Z',
      DDBStreamBatchInfo: {
        shardId: base.shardId,
        startSequenceNumber: '100',
        endSequenceNumber: '105',
        approximateArrivalOfFirstRecord: '2024-03-12T08:30:00Z',
        approximateArrivalOfLastRecord: '2024-03-12T08:30:00Z',
        batchSize: 2,
        streamArn: base.streamArn,
      },
    });
  });

  it('has no functionError when the handler answered with batch item failures', () => {
    const failure = streamFailureRecord({ ...base, records: [aLambdaStreamRecord()], handlerThrew: false });
    expect(failure.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
  });

  it('refuses an empty batch', () => {
    expect(() => streamFailureRecord({ ...base, records: [], handlerThrew: true })).toThrow(
      /at least one record/,
    );
  });
});
