/**
 * SQSEvents as Lambda hands them to the parser and worker handlers: the dump queue carries S3
 * ObjectCreated notifications, the fan-out queue carries chunk messages.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { s3ObjectCreatedEvent, type CreatedObject } from '../../local/event-sources/s3-notifications';

export const TEST_QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:dumpflow-test';

/** One SQS record carrying `body`, with the attributes Lambda always sends. */
export function anSqsRecord(body: string, overrides: Partial<SQSRecord> = {}): SQSRecord {
  const messageId = overrides.messageId ?? randomUUID();
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1710000000000',
      SenderId: '000000000000',
      ApproximateFirstReceiveTimestamp: '1710000000100',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: TEST_QUEUE_ARN,
    awsRegion: 'us-east-1',
    ...overrides,
  };
}

/** An SQSEvent with one record per body, in order. */
export function anSqsEvent(bodies: readonly string[]): SQSEvent {
  return { Records: bodies.map((body) => anSqsRecord(body)) };
}

/** The dump-queue message body S3 sends when `object` is created. */
export function s3NotificationBody(object: CreatedObject, region = 'us-east-1'): string {
  return JSON.stringify(s3ObjectCreatedEvent(object, region));
}
