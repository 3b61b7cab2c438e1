import { regionOfArn, toSqsRecord } from '../../../local/event-sources/sqs-record';
import { aReceivedMessage } from '../../factories/sqs-messages';

describe('toSqsRecord', () => {
  const source = { queueArn: 'arn:aws:sqs:eu-west-1:000000000000:dumpflow-fanout', region: 'eu-west-1' };

  it('renames the SDK fields the way Lambda does', () => {
    const record = toSqsRecord(aReceivedMessage(), source);
    expect(record).toEqual({
      messageId: '6c3d0d6e-2f7b-4e11-9c8c-0d5a9c1f4b11',
      receiptHandle: 'receipt-1',
      body: '{"dumpKey":"dumps/a.bin"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1710000000000',
        SenderId: '000000000000',
        ApproximateFirstReceiveTimestamp: '1710000000100',
      },
      messageAttributes: {},
      md5OfBody: '5d41402abc4b2a76b9719d911017c592',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:dumpflow-fanout',
      awsRegion: 'eu-west-1',
    });
    expect(record).not.toHaveProperty('md5OfMessageAttributes');
  });

  it('base64-encodes binary attributes and always sends both list fields', () => {
    const record = toSqsRecord(
      aReceivedMessage({
        MD5OfMessageAttributes: 'abc',
        MessageAttributes: {
          n: { DataType: 'Number', StringValue: '42' },
          b: { DataType: 'Binary', BinaryValue: new Uint8Array([255, 0]) },
        },
      }),
      source,
    );
    expect(record.md5OfMessageAttributes).toBe('abc');
    expect(record.messageAttributes).toEqual({
      n: { stringValue: '42', stringListValues: [], binaryListValues: [], dataType: 'Number' },
      b: { binaryValue: '/wA=', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
    });
  });

  it('keeps the FIFO attributes when the queue sends them', () => {
    const message = aReceivedMessage();
    const record = toSqsRecord(
      { ...message, Attributes: { ...message.Attributes, MessageGroupId: 'g1', SequenceNumber: '18' } },
      source,
    );
    expect(record.attributes.MessageGroupId).toBe('g1');
    expect(record.attributes.SequenceNumber).toBe('18');
    expect(record.attributes).not.toHaveProperty('MessageDeduplicationId');
  });

  it('rejects a message without a receipt handle', () => {
    expect(() => toSqsRecord(aReceivedMessage({ ReceiptHandle: undefined }), source)).toThrow(
      /ReceiptHandle/,
    );
  });
});

describe('regionOfArn', () => {
  it('reads the region field', () => {
    expect(regionOfArn('arn:aws:sqs:ap-south-2:000000000000:q')).toBe('ap-south-2');
  });

  it('rejects a string that is not an ARN', () => {
    expect(() => regionOfArn('http://127.0.0.1:4566/000000000000/q')).toThrow(/not an ARN/);
  });
});
