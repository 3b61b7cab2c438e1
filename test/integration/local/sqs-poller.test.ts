import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { NotIdleError } from '../../../local/errors';
import {
  createSqsPoller,
  type SqsPoller,
  type SqsPollerOptions,
} from '../../../local/event-sources/sqs-poller';
import { fakeHandler } from '../../factories/fake-handlers';
import { drain, eventually, sendBodies, useLocalS3Sqs } from '../support/s3-sqs';

type SqsResult = SQSBatchResponse | void;

describe('createSqsPoller', () => {
  // Queues with a 1 s visibility timeout and maxReceiveCount 2 keep every retry path under a few seconds.
  const local = useLocalS3Sqs({ visibilityTimeoutSeconds: 1, maxReceiveCount: 2 });
  const pollers: SqsPoller[] = [];
  const logged: string[] = [];

  function poller(options: Partial<SqsPollerOptions> & Pick<SqsPollerOptions, 'handler'>): SqsPoller {
    const { services, sqs } = local.current;
    const created = createSqsPoller({
      sqs,
      queueUrl: services.queues.fanout.url,
      functionName: 'writer',
      // Short polling lets stop() return at once; the first test keeps the default long poll.
      waitTimeSeconds: 0,
      log: (line) => logged.push(line),
      ...options,
    });
    pollers.push(created);
    return created;
  }

  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
    logged.length = 0;
  });

  it('hands the handler an SQSEvent shaped like Lambda’s and deletes the batch on success', async () => {
    const { services, sqs } = local.current;
    const sentBefore = Date.now();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: services.queues.fanout.url,
        MessageBody: '{"chunk":1}',
        MessageAttributes: {
          dumpKey: { DataType: 'String', StringValue: 'dumps/a.bin' },
          raw: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    const fake = fakeHandler<SQSEvent, SqsResult>();
    const p = poller({ handler: fake.handler, functionTimeoutMs: 60_000, waitTimeSeconds: 1 });
    await p.start();
    await p.waitForIdle({ timeoutMs: 5000 });

    expect(fake.calls).toHaveLength(1);
    const { event, context } = fake.calls[0]!;
    expect(event.Records).toHaveLength(1);
    const record = event.Records[0]!;
    expect(record.body).toBe('{"chunk":1}');
    expect(record.md5OfBody).toBe(createHash('md5').update('{"chunk":1}').digest('hex'));
    expect(record.md5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(record.eventSource).toBe('aws:sqs');
    expect(record.eventSourceARN).toBe(services.queues.fanout.arn);
    expect(record.awsRegion).toBe('us-east-1');
    expect(record.receiptHandle).not.toBe('');
    expect(record.attributes.ApproximateReceiveCount).toBe('1');
    expect(record.attributes.SenderId).not.toBe('');
    expect(Number(record.attributes.SentTimestamp)).toBeGreaterThanOrEqual(sentBefore - 1000);
    expect(Number(record.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(
      Number(record.attributes.SentTimestamp),
    );
    expect(record.messageAttributes).toEqual({
      dumpKey: { stringValue: 'dumps/a.bin', stringListValues: [], binaryListValues: [], dataType: 'String' },
      raw: { binaryValue: 'AQID', stringListValues: [], binaryListValues: [], dataType: 'Binary' },
    });
    expect(context.functionName).toBe('writer');
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:writer');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(50_000);
    expect(p.counters).toEqual({
      invocations: 1,
      records: 1,
      succeeded: 1,
      failed: 0,
      movedToDlq: 0,
      handlerErrors: 0,
      redelivered: 0,
      simultaneous: 0,
    });
    expect(services.server.inspectQueue(services.queues.fanout.name)?.messages).toEqual({
      ready: [],
      delayed: [],
      inflight: [],
    });
  });

  it('deletes only the successful records of a partial batch response; the failed one comes back', async () => {
    const { services, sqs } = local.current;
    const [, idB] = await sendBodies(sqs, services.queues.fanout.url, ['a', 'b', 'c']);
    const fake = fakeHandler<SQSEvent, SqsResult>({
      respond: (event, call) => ({
        batchItemFailures:
          call === 0
            ? event.Records.filter((r) => r.body === 'b').map((r) => ({ itemIdentifier: r.messageId }))
            : [],
      }),
    });
    const p = poller({ handler: fake.handler, concurrency: 1 });
    await p.start();

    await eventually('the first invocation to settle', () => p.counters.failed === 1);
    const afterFirst = services.server.inspectQueue(services.queues.fanout.name)!.messages;
    expect([...afterFirst.ready, ...afterFirst.inflight.map((i) => i.message)].map((m) => m.body)).toEqual([
      'b',
    ]);

    await p.waitForIdle({ timeoutMs: 8000 });
    expect(fake.calls.map((c) => c.event.Records.map((r) => r.body))).toEqual([['a', 'b', 'c'], ['b']]);
    const retried = fake.calls[1]!.event.Records[0]!;
    expect(retried.messageId).toBe(idB);
    expect(retried.attributes.ApproximateReceiveCount).toBe('2');
    expect(p.counters).toMatchObject({ invocations: 2, records: 4, succeeded: 3, failed: 1, movedToDlq: 0 });
  }, 15_000);

  it('returns the whole batch when the handler throws, and the queue moves it to the DLQ after maxReceiveCount', async () => {
    const { services, sqs } = local.current;
    await sendBodies(sqs, services.queues.fanout.url, ['x', 'y']);
    const fake = fakeHandler<SQSEvent, SqsResult>({
      respond: () => {
        throw new Error('write failed');
      },
    });
    const p = poller({ handler: fake.handler, concurrency: 1, retryAfterSeconds: 0 });
    await p.start();
    await p.waitForIdle({ timeoutMs: 10_000 });

    // Received twice (maxReceiveCount 2), then fauxqs's redrive moves them on the third receive.
    expect(fake.calls.map((c) => c.event.Records.map((r) => r.attributes.ApproximateReceiveCount))).toEqual([
      ['1', '1'],
      ['2', '2'],
    ]);
    expect(p.counters).toMatchObject({
      invocations: 2,
      succeeded: 0,
      failed: 4,
      movedToDlq: 2,
      handlerErrors: 2,
    });
    expect(logged.filter((l) => l.includes('Error: write failed'))).toHaveLength(2);
    const dead = await drain(sqs, services.queues.fanoutDlq.url);
    expect(dead.map((m) => m.Body).sort()).toEqual(['x', 'y']);
  }, 15_000);

  it('treats a response naming an unknown item as a failure of the whole batch', async () => {
    const { services, sqs } = local.current;
    await sendBodies(sqs, services.queues.fanout.url, ['a', 'b']);
    const fake = fakeHandler<SQSEvent, SqsResult>({
      respond: (_event, call) => ({
        batchItemFailures: call === 0 ? [{ itemIdentifier: 'not-in-batch' }] : [],
      }),
    });
    const p = poller({ handler: fake.handler, concurrency: 1, retryAfterSeconds: 0 });
    await p.start();
    await p.waitForIdle({ timeoutMs: 8000 });

    expect(fake.calls.map((c) => c.event.Records.length)).toEqual([2, 2]);
    expect(p.counters).toMatchObject({ failed: 2, succeeded: 2, handlerErrors: 0 });
    expect(logged.some((l) => l.includes('not-in-batch'))).toBe(true);
  }, 15_000);

  it('ignores batchItemFailures when ReportBatchItemFailures is off, as Lambda does', async () => {
    const { services, sqs } = local.current;
    await sendBodies(sqs, services.queues.fanout.url, ['a', 'b']);
    const fake = fakeHandler<SQSEvent, SqsResult>({
      respond: (event) => ({ batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }] }),
    });
    const p = poller({ handler: fake.handler, concurrency: 1, reportBatchItemFailures: false });
    await p.start();
    await p.waitForIdle({ timeoutMs: 5000 });

    expect(fake.calls).toHaveLength(1);
    expect(p.counters).toMatchObject({ succeeded: 2, failed: 0 });
  });

  it('never runs more invocations at once than its concurrency, and uses all of it', async () => {
    const { services, sqs } = local.current;
    await sendBodies(
      sqs,
      services.queues.fanout.url,
      Array.from({ length: 12 }, (_, i) => `m${i}`),
    );
    const fake = fakeHandler<SQSEvent, SqsResult>({ delayMs: 150 });
    const p = poller({ handler: fake.handler, concurrency: 3, batchSize: 1 });
    await p.start();
    await p.waitForIdle({ timeoutMs: 10_000 });

    expect(fake.calls).toHaveLength(12);
    expect(fake.calls.every((c) => c.event.Records.length === 1)).toBe(true);
    expect(fake.peakConcurrency).toBe(3);
    expect(p.peakConcurrency).toBe(3);
    expect(new Set(fake.calls.map((c) => c.context.awsRequestId)).size).toBe(12);
  }, 15_000);

  it('fills a batch over the batching window', async () => {
    const { services, sqs } = local.current;
    const fake = fakeHandler<SQSEvent, SqsResult>();
    const p = poller({ handler: fake.handler, concurrency: 1, batchSize: 5, maxBatchingWindowMs: 1500 });
    await sendBodies(sqs, services.queues.fanout.url, ['1', '2']);
    await p.start();
    await eventually('the first messages to be received', async () => {
      const queue = services.server.inspectQueue(services.queues.fanout.name)!;
      return queue.messages.inflight.length === 2;
    });
    await sendBodies(sqs, services.queues.fanout.url, ['3', '4', '5']);
    await p.waitForIdle({ timeoutMs: 5000 });

    expect(fake.calls.map((c) => c.event.Records.map((r) => r.body))).toEqual([['1', '2', '3', '4', '5']]);
  });

  it('brings a failed message back after retryAfterSeconds instead of the queue’s visibility timeout', async () => {
    const { services, sqs } = local.current;
    const slow = services.server.createQueue('slow-visibility', { attributes: { VisibilityTimeout: '60' } });
    await sendBodies(sqs, slow.queueUrl, ['again']);
    const fake = fakeHandler<SQSEvent, SqsResult>({
      respond: (event, call) => ({
        batchItemFailures: call === 0 ? [{ itemIdentifier: event.Records[0]!.messageId }] : [],
      }),
    });
    const p = poller({ handler: fake.handler, queueUrl: slow.queueUrl, retryAfterSeconds: 1 });
    await p.start();
    const started = Date.now();
    await p.waitForIdle({ timeoutMs: 8000 });

    expect(fake.calls.map((c) => c.event.Records[0]!.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    // The queue alone would hide it for 60 s.
    expect(Date.now() - started).toBeLessThan(3000);
    services.server.deleteQueue('slow-visibility');
  }, 15_000);

  it('hands a first delivery to two invocations at the same instant when asked, and retries it if either fails', async () => {
    const { services, sqs } = local.current;
    await sendBodies(sqs, services.queues.fanout.url, ['twice']);
    const fake = fakeHandler<SQSEvent, SqsResult>({
      delayMs: 100,
      // The second of the two simultaneous invocations fails: the message comes back, once.
      respond: (event, call) => ({
        batchItemFailures: call === 1 ? [{ itemIdentifier: event.Records[0]!.messageId }] : [],
      }),
    });
    const p = poller({ handler: fake.handler, simultaneousFirstDeliveries: 2, retryAfterSeconds: 0 });
    await p.start();
    await p.waitForIdle({ timeoutMs: 8000 });

    expect(fake.calls.map((c) => c.event.Records[0]!.attributes.ApproximateReceiveCount)).toEqual([
      '1',
      '1',
      '2',
    ]);
    expect(fake.peakConcurrency).toBe(2);
    expect(p.counters).toMatchObject({ invocations: 3, simultaneous: 1, failed: 1, succeeded: 1 });
  }, 15_000);

  it('reports busy while messages wait or run, and stop() lets the running invocation finish', async () => {
    const { services, sqs } = local.current;
    const fake = fakeHandler<SQSEvent, SqsResult>({ delayMs: 400 });
    const p = poller({ handler: fake.handler, concurrency: 1 });
    expect(await p.isIdle()).toBe(true);
    await sendBodies(sqs, services.queues.fanout.url, ['slow']);
    expect(await p.isIdle()).toBe(false);
    await p.start();
    await eventually('the invocation to start', () => fake.calls.length === 1);
    expect(await p.isIdle()).toBe(false);

    await p.stop();
    expect(p.counters).toMatchObject({ invocations: 1, succeeded: 1 });
    expect(await p.isIdle()).toBe(true);
  });

  it('says what is left when the queue does not drain in time', async () => {
    const { services, sqs } = local.current;
    await sendBodies(sqs, services.queues.fanout.url, ['never handled']);
    const p = poller({ handler: fakeHandler<SQSEvent, SqsResult>().handler });

    const waiting = p.waitForIdle({ timeoutMs: 200, intervalMs: 20 });
    await expect(waiting).rejects.toThrow(NotIdleError);
    await expect(waiting).rejects.toThrow(/0 invocation\(s\) running, 1 message\(s\) in the queue/);
  });
});
