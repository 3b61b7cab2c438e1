/** SQS messages as ReceiveMessage returns them (SDK shape), for tests of the local SQS event source. */
import type { Message } from '@aws-sdk/client-sqs';

export function aReceivedMessage(overrides: Partial<Message> = {}): Message {
  return {
    MessageId: '6c3d0d6e-2f7b-4e11-9c8c-0d5a9c1f4b11',
    ReceiptHandle: 'receipt-1',
    Body: '{"dumpKey":"dumps/a.bin"}',
    MD5OfBody: '5d41402abc4b2a76b9719d911017c592',
    Attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1710000000000',
      SenderId: '000000000000',
      ApproximateFirstReceiveTimestamp: '1710000000100',
    },
    ...overrides,
  };
}
