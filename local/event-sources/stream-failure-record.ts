import type { DynamoDBRecord } from 'aws-lambda';

/**
 * What Lambda sends to a stream mapping's on-failure destination when a batch runs out of
 * retries: not the records, but where to find them (shard and sequence-number range).
 */
export interface StreamFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetryAttemptsExhausted';
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    /** 'Unhandled' when the handler threw; absent when it answered with batchItemFailures. */
    readonly functionError?: string;
  };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly DDBStreamBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

export interface StreamFailure {
  readonly records: readonly DynamoDBRecord[];
  readonly shardId: string;
  readonly streamArn: string;
  readonly functionArn: string;
  readonly requestId: string;
  readonly invokeCount: number;
  readonly handlerThrew: boolean;
  readonly now?: Date;
}

export function streamFailureRecord(failure: StreamFailure): StreamFailureRecord {
  const first = failure.records[0];
  const last = failure.records[failure.records.length - 1];
  if (first === undefined || last === undefined) throw new Error('a failed batch has at least one record');
  return {
    requestContext: {
      requestId: failure.requestId,
      functionArn: failure.functionArn,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: failure.invokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      ...(failure.handlerThrew ? { functionError: 'Unhandled' } : {}),
    },
    version: '1.0',
    timestamp: (failure.now ?? new Date()).toISOString(),
    DDBStreamBatchInfo: {
      shardId: failure.shardId,
      startSequenceNumber: first.dynamodb?.SequenceNumber ?? '',
      endSequenceNumber: last.dynamodb?.SequenceNumber ?? '',
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: failure.records.length,
      streamArn: failure.streamArn,
    },
  };
}

/** Lambda writes these without milliseconds. */
function arrival(record: DynamoDBRecord): string {
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  return seconds === undefined ? '' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
