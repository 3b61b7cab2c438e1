import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { BatchWriteCommand, DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { KPI_STREAM_FILTER_PATTERN } from '../../../lambdas/core/storage/stream-filter';
import type { StreamFailureRecord } from '../../../local/event-sources/stream-failure-record';
import {
  createStreamPoller,
  type StreamPoller,
  type StreamPollerOptions,
} from '../../../local/event-sources/stream-poller';
import { fakeHandler } from '../../factories/fake-handlers';
import { drain, eventually, useLocalS3Sqs } from '../support/s3-sqs';
import { useTestTable } from '../support/table';

type StreamResult = DynamoDBBatchResponse | void;

/** DynamoDB Local shows a write in its stream 1-60 ms later (measured); idle must outlast that. */
const STREAM_QUIET_MS = 200;

describe('createStreamPoller', () => {
  // One stream-enabled table for the whole block; each test starts from LATEST and writes its own keys.
  const table = useTestTable({ stream: true, prefix: 'stream-poller' });
  const local = useLocalS3Sqs();
  const streams = new DynamoDBStreamsClient({ endpoint: process.env['AWS_ENDPOINT_URL_DYNAMODB'] });
  let streamArn: string;
  const pollers: StreamPoller[] = [];
  const logged: string[] = [];
  let testNumber = 0;
  let pk: string;

  beforeAll(async () => {
    const { Table } = await table.current.dynamodb.send(
      new DescribeTableCommand({ TableName: table.current.tableName }),
    );
    streamArn = Table?.LatestStreamArn ?? '';
    expect(streamArn).not.toBe('');
  });

  beforeEach(() => {
    testNumber += 1;
    pk = `PATIENT#p${testNumber}`;
  });

  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
    logged.length = 0;
  });

  afterAll(() => streams.destroy());

  async function started(
    options: Partial<StreamPollerOptions> & Pick<StreamPollerOptions, 'handler'>,
  ): Promise<StreamPoller> {
    const poller = createStreamPoller({
      streams,
      streamArn,
      functionName: 'kpi',
      startingPosition: 'LATEST',
      pollIntervalMs: 50,
      retryDelayMs: 10,
      log: (line) => logged.push(line),
      ...options,
    });
    pollers.push(poller);
    await poller.start();
    return poller;
  }

  const put = (sk: string, extra: Record<string, unknown> = {}) =>
    table.current.doc.send(
      new PutCommand({ TableName: table.current.tableName, Item: { pk, sk, ...extra } }),
    );
  /** One BatchWriteItem, so the changes reach the stream together and land in one batch. */
  const putAll = (...sks: string[]) =>
    table.current.doc.send(
      new BatchWriteCommand({
        RequestItems: { [table.current.tableName]: sks.map((sk) => ({ PutRequest: { Item: { pk, sk } } })) },
      }),
    );
  const sortKeys = (records: readonly DynamoDBRecord[]) => records.map((r) => r.dynamodb?.Keys?.['sk']?.S);

  it('delivers only the records KPI_STREAM_FILTER_PATTERN lets through, shaped like Lambda’s', async () => {
    const fake = fakeHandler<DynamoDBStreamEvent, StreamResult>();
    const poller = await started({ handler: fake.handler, filterPatterns: [KPI_STREAM_FILTER_PATTERN] });
    const before = Math.floor(Date.now() / 1000);

    await put('DAY#2024-03-10', { events: 1 });
    await put('EVENT#2024-03-10T08:00:00.000Z#1#5', { value: 1 });
    await table.current.doc.send(
      new UpdateCommand({
        TableName: table.current.tableName,
        Key: { pk, sk: 'DAY#2024-03-10' },
        UpdateExpression: 'SET events = :n',
        ExpressionAttributeValues: { ':n': 2 },
      }),
    );
    await table.current.doc.send(
      new DeleteCommand({ TableName: table.current.tableName, Key: { pk, sk: 'DAY#2024-03-10' } }),
    );
    await eventually(
      'all four changes to be read',
      () => poller.counters.records + poller.counters.filteredOut === 4,
    );
    await poller.waitForIdle({ timeoutMs: 5000, quietMs: STREAM_QUIET_MS });

    const delivered = fake.calls.flatMap((c) => c.event.Records);
    expect(delivered.map((r) => [r.eventName, r.dynamodb?.Keys?.['sk']?.S])).toEqual([
      ['INSERT', 'DAY#2024-03-10'],
      ['MODIFY', 'DAY#2024-03-10'],
      ['REMOVE', 'DAY#2024-03-10'],
    ]);
    expect(poller.counters).toMatchObject({ records: 3, filteredOut: 1, handlerErrors: 0, failedBatches: 0 });
    const [insert, modify, remove] = delivered;
    expect(remove?.dynamodb?.NewImage).toBeUndefined();
    expect(insert).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventVersion: '1.1',
      eventSourceARN: streamArn,
      dynamodb: {
        Keys: { pk: { S: pk }, sk: { S: 'DAY#2024-03-10' } },
        NewImage: { pk: { S: pk }, sk: { S: 'DAY#2024-03-10' }, events: { N: '1' } },
        StreamViewType: 'NEW_IMAGE',
      },
    });
    expect(insert?.eventID).toMatch(/\S+/);
    expect(typeof insert?.awsRegion).toBe('string');
    expect(insert?.dynamodb?.SizeBytes).toBeGreaterThan(0);
    expect(insert?.dynamodb?.ApproximateCreationDateTime).toBeGreaterThanOrEqual(before - 60);
    expect(modify?.dynamodb?.NewImage?.['events']).toEqual({ N: '2' });
    expect(BigInt(modify?.dynamodb?.SequenceNumber ?? '0')).toBeGreaterThan(
      BigInt(insert?.dynamodb?.SequenceNumber ?? '0'),
    );
    expect(fake.calls[0]?.context.functionName).toBe('kpi');
  });

  it('retries a batch whose invocation failed, with the same records', async () => {
    const fake = fakeHandler<DynamoDBStreamEvent, StreamResult>({
      respond: (_event, call) => {
        if (call === 0) throw new Error('KPI table busy');
      },
    });
    const poller = await started({ handler: fake.handler, maxBatchingWindowMs: 300 });
    await putAll('DAY#2024-03-10', 'DAY#2024-03-11');
    await eventually('the retry', () => fake.calls.length === 2);
    await poller.waitForIdle({ timeoutMs: 5000, quietMs: STREAM_QUIET_MS });

    expect(fake.calls.map((c) => sortKeys(c.event.Records))).toEqual([
      ['DAY#2024-03-10', 'DAY#2024-03-11'],
      ['DAY#2024-03-10', 'DAY#2024-03-11'],
    ]);
    expect(poller.counters).toMatchObject({ invocations: 2, retries: 1, handlerErrors: 1, failedBatches: 0 });
    expect(logged.filter((l) => l.includes('KPI table busy'))).toHaveLength(1);
  });

  it('restarts from the first failed record a partial batch response names', async () => {
    const fake = fakeHandler<DynamoDBStreamEvent, StreamResult>({
      respond: (event, call) => ({
        batchItemFailures:
          call === 0
            ? event.Records.slice(1)
                .map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' }))
                .reverse()
            : [],
      }),
    });
    const poller = await started({ handler: fake.handler, maxBatchingWindowMs: 400 });
    await putAll('DAY#1', 'DAY#2', 'DAY#3');
    await eventually('the retry', () => fake.calls.length === 2);
    await poller.waitForIdle({ timeoutMs: 5000, quietMs: STREAM_QUIET_MS });

    expect(fake.calls.map((c) => sortKeys(c.event.Records))).toEqual([
      ['DAY#1', 'DAY#2', 'DAY#3'],
      ['DAY#2', 'DAY#3'],
    ]);
    expect(poller.counters).toMatchObject({ retries: 1, handlerErrors: 0, failedBatches: 0 });
  });

  it('sends an exhausted batch to the on-failure queue in Lambda’s format and moves on', async () => {
    const { services, sqs } = local.current;
    const fake = fakeHandler<DynamoDBStreamEvent, StreamResult>({
      respond: (event) => {
        if (event.Records.some((r) => r.dynamodb?.Keys?.['sk']?.S === 'DAY#bad'))
          throw new Error('cannot compute');
      },
    });
    const poller = await started({
      handler: fake.handler,
      maxRetryAttempts: 1,
      onFailure: { sqs, queueUrl: services.queues.kpiFailure.url },
    });
    await put('DAY#bad');
    await eventually('the failure to be reported', () => poller.counters.failedBatches === 1);
    await put('DAY#good');
    await eventually('the next record', () => poller.counters.records === 3);
    await poller.waitForIdle({ timeoutMs: 5000, quietMs: STREAM_QUIET_MS });

    expect(fake.calls.map((c) => sortKeys(c.event.Records))).toEqual([
      ['DAY#bad'],
      ['DAY#bad'],
      ['DAY#good'],
    ]);
    const [message, ...others] = await drain(sqs, services.queues.kpiFailure.url);
    expect(others).toEqual([]);
    const failure = JSON.parse(message?.Body ?? '{}') as StreamFailureRecord;
    const bad = fake.calls[0]!.event.Records[0]!;
    expect(failure).toMatchObject({
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 2,
        requestId: fake.calls[1]!.context.awsRequestId,
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:kpi',
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      DDBStreamBatchInfo: {
        startSequenceNumber: bad.dynamodb?.SequenceNumber,
        endSequenceNumber: bad.dynamodb?.SequenceNumber,
        batchSize: 1,
        streamArn,
      },
    });
    expect(failure.DDBStreamBatchInfo.shardId).toMatch(/^shardId-/);
    expect(failure.DDBStreamBatchInfo.approximateArrivalOfFirstRecord).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
  });

  it('bisects a failing batch when asked, so only the poison record is given up', async () => {
    const { services, sqs } = local.current;
    const fake = fakeHandler<DynamoDBStreamEvent, StreamResult>({
      respond: (event) => {
        if (event.Records.some((r) => r.dynamodb?.Keys?.['sk']?.S === 'DAY#2')) throw new Error('poison');
      },
    });
    const poller = await started({
      handler: fake.handler,
      maxBatchingWindowMs: 500,
      maxRetryAttempts: 0,
      bisectBatchOnFunctionError: true,
      onFailure: { sqs, queueUrl: services.queues.kpiFailure.url },
    });
    await putAll('DAY#1', 'DAY#2', 'DAY#3', 'DAY#4');
    await eventually('the last half', () =>
      fake.calls.some((c) => sortKeys(c.event.Records).includes('DAY#4')),
    );
    await poller.waitForIdle({ timeoutMs: 5000, quietMs: STREAM_QUIET_MS });

    expect(fake.calls.map((c) => sortKeys(c.event.Records))).toEqual([
      ['DAY#1', 'DAY#2', 'DAY#3', 'DAY#4'],
      ['DAY#1', 'DAY#2'],
      ['DAY#1'],
      ['DAY#2'],
      ['DAY#3', 'DAY#4'],
    ]);
    const failures = (await drain(sqs, services.queues.kpiFailure.url)).map(
      (m) => (JSON.parse(m.Body ?? '{}') as StreamFailureRecord).DDBStreamBatchInfo,
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]?.batchSize).toBe(1);
    expect(failures[0]?.startSequenceNumber).toBe(fake.calls[3]!.event.Records[0]!.dynamodb?.SequenceNumber);
  });

  it('is busy while an invocation runs and idle once the shard is read to its end', async () => {
    const fake = fakeHandler<DynamoDBStreamEvent, StreamResult>({ delayMs: 300 });
    const poller = await started({ handler: fake.handler });
    await poller.waitForIdle({ timeoutMs: 5000, quietMs: 100 });
    await put('DAY#slow');
    await eventually('the invocation to start', () => fake.calls.length === 1);
    expect(poller.isIdle()).toBe(false);
    await poller.waitForIdle({ timeoutMs: 5000, quietMs: STREAM_QUIET_MS });
    expect(poller.counters).toMatchObject({ invocations: 1, records: 1 });
  });
});
