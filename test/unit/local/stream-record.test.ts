import { toLambdaStreamRecord } from '../../../local/event-sources/stream-record';
import { aStreamsRecord } from '../../factories/stream-records';

describe('toLambdaStreamRecord', () => {
  const streamArn = 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/2024-03-12T08:00:00.000';

  it('keeps the record and adds eventSourceARN, with the creation time in epoch seconds', () => {
    expect(toLambdaStreamRecord(aStreamsRecord({ sequenceNumber: '7' }), streamArn)).toEqual({
      eventID: 'event-7',
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'ddblocal',
      dynamodb: {
        ApproximateCreationDateTime: 1710232200,
        Keys: { pk: { S: 'PATIENT#p1' }, sk: { S: 'DAY#2024-03-10' } },
        NewImage: { pk: { S: 'PATIENT#p1' }, sk: { S: 'DAY#2024-03-10' }, events: { N: '3' } },
        SequenceNumber: '7',
        SizeBytes: 42,
        StreamViewType: 'NEW_IMAGE',
      },
      eventSourceARN: streamArn,
    });
  });

  it('base64-encodes binary values at any depth and keeps the other types', () => {
    const record = aStreamsRecord();
    const converted = toLambdaStreamRecord(
      {
        ...record,
        dynamodb: {
          ...record.dynamodb,
          NewImage: {
            b: { B: new Uint8Array([1, 2, 3]) },
            bs: { BS: [new Uint8Array([255])] },
            l: { L: [{ B: new Uint8Array([0]) }, { BOOL: true }, { NULL: true }] },
            m: { M: { n: { N: '1.5' }, ss: { SS: ['x'] }, ns: { NS: ['2'] } } },
          },
        },
      },
      streamArn,
    );
    expect(converted.dynamodb?.NewImage).toEqual({
      b: { B: 'AQID' },
      bs: { BS: ['/w=='] },
      l: { L: [{ B: 'AA==' }, { BOOL: true }, { NULL: true }] },
      m: { M: { n: { N: '1.5' }, ss: { SS: ['x'] }, ns: { NS: ['2'] } } },
    });
  });

  it('keeps the identity DynamoDB gives its own (TTL) deletes', () => {
    const converted = toLambdaStreamRecord(
      {
        ...aStreamsRecord({ eventName: 'REMOVE' }),
        userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
      },
      streamArn,
    );
    expect(converted.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
    expect(converted.dynamodb).not.toHaveProperty('NewImage');
  });
});
