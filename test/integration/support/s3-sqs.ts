import type { S3Client } from '@aws-sdk/client-s3';
import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalS3Sqs, type LocalS3Sqs, type LocalS3SqsOptions } from '../../../local/services/s3-sqs';

export interface LocalS3SqsFixture {
  readonly services: LocalS3Sqs;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
}

/**
 * jest helper: one fauxqs for the enclosing describe block, emptied before each test and stopped
 * afterwards. Read `.current` inside tests.
 */
export function useLocalS3Sqs(options: LocalS3SqsOptions = {}): { readonly current: LocalS3SqsFixture } {
  const holder: { current?: LocalS3SqsFixture } = {};
  beforeAll(async () => {
    const services = await startLocalS3Sqs(options);
    holder.current = { services, ...services.clients() };
  });
  beforeEach(() => {
    holder.current?.services.server.reset();
  });
  afterAll(async () => {
    holder.current?.s3.destroy();
    holder.current?.sqs.destroy();
    await holder.current?.services.stop();
  });
  return {
    get current(): LocalS3SqsFixture {
      if (!holder.current) throw new Error('useLocalS3Sqs: started in beforeAll; read it inside a test');
      return holder.current;
    },
  };
}

/** Sends each body as one message, in order, and returns the message ids. */
export async function sendBodies(
  sqs: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < bodies.length; i += 10) {
    const { Successful = [], Failed = [] } = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.slice(i, i + 10).map((body, n) => ({ Id: String(n), MessageBody: body })),
      }),
    );
    if (Failed.length > 0) throw new Error(`SendMessageBatch failed: ${JSON.stringify(Failed)}`);
    ids.push(...[...Successful].sort((a, b) => Number(a.Id) - Number(b.Id)).map((s) => s.MessageId ?? ''));
  }
  return ids;
}

/** Receives (and leaves in flight) everything visible in a queue, waiting up to waitMs for the first. */
export async function drain(sqs: SQSClient, queueUrl: string, waitMs = 2000): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    messages.push(...Messages);
    if (Messages.length > 0) continue;
    if (messages.length > 0 || Date.now() > deadline) return messages;
    await sleep(50);
  }
}

/** Polls `check` until it returns true; fails the test with `what` after timeoutMs. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(25);
  }
}
