/** DynamoDB stream records, in the SDK's GetRecords shape and in Lambda's event shape. */
import type { _Record as StreamsRecord } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';

export interface StreamRecordSpec {
  readonly pk?: string;
  readonly sk?: string;
  readonly sequenceNumber?: string;
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
}

/** As GetRecords returns it (dates as Date, binary as bytes). */
export function aStreamsRecord(spec: StreamRecordSpec = {}): StreamsRecord {
  const keys = { pk: { S: spec.pk ?? 'PATIENT#p1' }, sk: { S: spec.sk ?? 'DAY#2024-03-10' } };
  return {
    eventID: `event-${spec.sequenceNumber ?? '1'}`,
    eventName: spec.eventName ?? 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'ddblocal',
    dynamodb: {
      ApproximateCreationDateTime: new Date('2024-03-12T08:30:00Z'),
      Keys: keys,
      ...(spec.eventName === 'REMOVE' ? {} : { NewImage: { ...keys, events: { N: '3' } } }),
      SequenceNumber: spec.sequenceNumber ?? '000000000000000000001',
      SizeBytes: 42,
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

/** As Lambda puts it in a DynamoDBStreamEvent. */
export function aLambdaStreamRecord(spec: StreamRecordSpec = {}): DynamoDBRecord {
  const keys = { pk: { S: spec.pk ?? 'PATIENT#p1' }, sk: { S: spec.sk ?? 'DAY#2024-03-10' } };
  return {
    eventID: `event-${spec.sequenceNumber ?? '1'}`,
    eventName: spec.eventName ?? 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: 1710232200,
      Keys: keys,
      ...(spec.eventName === 'REMOVE' ? {} : { NewImage: { ...keys, events: { N: '3' } } }),
      SequenceNumber: spec.sequenceNumber ?? '000000000000000000001',
      SizeBytes: 42,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-03-12T08:00:00.000',
  };
}
