import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { S3Event } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { sendS3TestEvent } from '../../../local/event-sources/s3-notifications';
import { dumpUploaderFor } from '../../../local/services/s3-sqs';
import { drain, useLocalS3Sqs } from '../support/s3-sqs';

describe('createDumpUploader', () => {
  const local = useLocalS3Sqs();

  function uploader() {
    const { services, s3, sqs } = local.current;
    return dumpUploaderFor(services, { s3, sqs });
  }

  it.each([
    ['dumps/device-1/2024-03-10.mdmp', 'dumps/device-1/2024-03-10.mdmp'],
    ['dumps/Ärztin Müller/a b+c.mdmp', 'dumps/%C3%84rztin+M%C3%BCller/a+b%2Bc.mdmp'],
  ])('stores %j and queues the notification S3 would send', async (key, encodedKey) => {
    const { services, s3, sqs } = local.current;
    const body = Buffer.from(`dump bytes for ${key}`);
    const uploaded = await uploader().upload(key, body);

    const [message, ...rest] = await drain(sqs, services.queues.dump.url);
    expect(rest).toEqual([]);
    expect(message?.MessageId).toBe(uploaded.messageId);
    const event = JSON.parse(message?.Body ?? '') as S3Event;
    expect(event.Records).toHaveLength(1);
    const record = event.Records[0]!;
    expect(record).toMatchObject({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      awsRegion: services.region,
      s3: {
        bucket: { name: services.bucket, arn: `arn:aws:s3:::${services.bucket}` },
        object: {
          key: encodedKey,
          size: body.byteLength,
          eTag: createHash('md5').update(body).digest('hex'),
        },
      },
    });
    expect(Date.parse(record.eventTime)).not.toBeNaN();

    // A consumer that form-decodes the key finds the object.
    const decoded = decodeURIComponent(record.s3.object.key.replaceAll('+', ' '));
    const stored = await s3.send(new GetObjectCommand({ Bucket: record.s3.bucket.name, Key: decoded }));
    expect(Buffer.from(await stored.Body!.transformToByteArray())).toEqual(body);
  });

  it('can put the s3:TestEvent on the queue, as S3 does when the notification is configured', async () => {
    const { services, sqs } = local.current;
    await sendS3TestEvent(sqs, services.queues.dump.url, services.bucket);

    const [message] = await drain(sqs, services.queues.dump.url);
    expect(JSON.parse(message?.Body ?? '')).toMatchObject({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Bucket: services.bucket,
    });
  });
});

describe('startLocalS3Sqs', () => {
  const local = useLocalS3Sqs({ maxReceiveCount: 4, visibilityTimeoutSeconds: 7 });

  it('wires each work queue to its DLQ and serves S3 and SQS on one loopback endpoint', () => {
    const { services } = local.current;
    expect(services.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(services.endpointEnv).toEqual({
      AWS_ENDPOINT_URL_S3: services.endpoint,
      AWS_ENDPOINT_URL_SQS: services.endpoint,
    });
    for (const [queue, dlq] of [
      [services.queues.dump, services.queues.dumpDlq],
      [services.queues.fanout, services.queues.fanoutDlq],
    ] as const) {
      const attributes = services.server.inspectQueue(queue.name)?.attributes;
      expect(attributes?.['VisibilityTimeout']).toBe('7');
      expect(JSON.parse(attributes?.['RedrivePolicy'] ?? '{}')).toEqual({
        deadLetterTargetArn: dlq.arn,
        maxReceiveCount: '4',
      });
    }
    expect(services.server.inspectQueue(services.queues.kpiFailure.name)?.arn).toBe(
      services.queues.kpiFailure.arn,
    );
  });

  it('is reachable by clients configured only through endpointEnv, as the handlers’ singletons are', async () => {
    const { services, sqs } = local.current;
    const saved = { ...process.env };
    Object.assign(process.env, services.endpointEnv);
    try {
      // No forcePathStyle: the SDK addresses an IP endpoint path-style by itself.
      const s3 = new S3Client({});
      // fauxqs's queue URLs name host sqs.<region>.localhost; without this flag the SDK would send there.
      const queueClient = new SQSClient({ useQueueUrlAsEndpoint: false });
      await s3.send(new PutObjectCommand({ Bucket: services.bucket, Key: 'env/only.bin', Body: 'x' }));
      await queueClient.send(
        new SendMessageCommand({ QueueUrl: services.queues.fanout.url, MessageBody: 'env' }),
      );
      s3.destroy();
      queueClient.destroy();
    } finally {
      process.env = saved;
    }
    expect(
      services.server.inspectQueue(services.queues.fanout.name)?.messages.ready.map((m) => m.body),
    ).toEqual(['env']);
    expect((await drain(sqs, services.queues.fanout.url)).map((m) => m.Body)).toEqual(['env']);
  });
});
