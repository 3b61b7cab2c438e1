import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { NotIdleError } from '../../../local/errors';
import { createStreamPoller, type StreamPoller } from '../../../local/event-sources/stream-poller';
import { fakeHandler } from '../../factories/fake-handlers';
import { FakeStream } from '../../factories/fake-stream';

type StreamResult = DynamoDBBatchResponse | void;

describe('createStreamPoller', () => {
  const pollers: StreamPoller[] = [];
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
  });

  async function run(stream: FakeStream, startingPosition: 'TRIM_HORIZON' | 'LATEST' = 'TRIM_HORIZON') {
    const fake = fakeHandler<DynamoDBStreamEvent, StreamResult>();
    const poller = createStreamPoller({
      streams: stream.client(),
      streamArn: stream.streamArn,
      handler: fake.handler,
      functionName: 'kpi',
      startingPosition,
      pollIntervalMs: 5,
      shardRefreshMs: 20,
      log: () => undefined,
    });
    pollers.push(poller);
    await poller.start();
    const delivered = () =>
      fake.calls.flatMap((c) => c.event.Records.map((r) => r.dynamodb?.Keys?.['sk']?.S));
    return { poller, fake, delivered };
  }

  it('reads a closed parent shard to its end before its child', async () => {
    const stream = new FakeStream()
      .addShard('child', 'parent')
      .addShard('parent')
      .write('parent', 'DAY#1', 'DAY#2')
      .close('parent')
      .write('child', 'DAY#3');
    const { poller, delivered } = await run(stream);
    await poller.waitForIdle({ timeoutMs: 2000, quietMs: 50 });

    expect(delivered()).toEqual(['DAY#1', 'DAY#2', 'DAY#3']);
    expect(stream.iteratorRequests).toEqual(['parent:TRIM_HORIZON', 'child:TRIM_HORIZON']);
  });

  it('follows a split that happens while it runs, reading the new shard from its start', async () => {
    const stream = new FakeStream().addShard('s1').write('s1', 'DAY#1');
    const { poller, delivered } = await run(stream);
    await poller.waitForIdle({ timeoutMs: 2000, quietMs: 50 });

    stream.write('s1', 'DAY#2').close('s1').addShard('s2', 's1').write('s2', 'DAY#3', 'DAY#4');
    await poller.waitForIdle({ timeoutMs: 2000, quietMs: 100 });

    expect(delivered()).toEqual(['DAY#1', 'DAY#2', 'DAY#3', 'DAY#4']);
    expect(stream.iteratorRequests).toContain('s2:TRIM_HORIZON');
  });

  it('from LATEST skips closed shards and what open shards already hold', async () => {
    const stream = new FakeStream()
      .addShard('old')
      .write('old', 'DAY#old')
      .close('old')
      .addShard('open', 'old')
      .write('open', 'DAY#before');
    const { poller, delivered } = await run(stream, 'LATEST');
    stream.write('open', 'DAY#after');
    await poller.waitForIdle({ timeoutMs: 2000, quietMs: 50 });

    expect(delivered()).toEqual(['DAY#after']);
    expect(stream.iteratorRequests).toEqual(['open:LATEST']);
  });

  it('replaces an expired iterator after the last record read, delivering nothing twice', async () => {
    const stream = new FakeStream().addShard('s1').write('s1', 'DAY#1');
    const { poller, delivered } = await run(stream);
    await poller.waitForIdle({ timeoutMs: 2000, quietMs: 50 });

    stream.expireIterators(1).write('s1', 'DAY#2');
    await poller.waitForIdle({ timeoutMs: 2000, quietMs: 100 });

    expect(delivered()).toEqual(['DAY#1', 'DAY#2']);
    expect(stream.iteratorRequests).toEqual(['s1:TRIM_HORIZON', 's1:AFTER_SEQUENCE_NUMBER']);
  });

  it('fails start() when the stream does not answer', async () => {
    const stream = new FakeStream();
    const broken = { send: async () => Promise.reject(new Error('ResourceNotFoundException: no stream')) };
    const poller = createStreamPoller({
      streams: broken as unknown as ReturnType<FakeStream['client']>,
      streamArn: stream.streamArn,
      handler: async () => undefined,
      functionName: 'kpi',
    });
    await expect(poller.start()).rejects.toThrow(/no stream/);
    expect(poller.isIdle()).toBe(false);
  });

  it('says what is left when the stream does not drain in time', async () => {
    const stream = new FakeStream().addShard('s1').write('s1', 'DAY#1');
    const poller = createStreamPoller({
      streams: stream.client(),
      streamArn: stream.streamArn,
      handler: fakeHandler<DynamoDBStreamEvent, StreamResult>({ delayMs: 400 }).handler,
      functionName: 'kpi',
      pollIntervalMs: 5,
    });
    pollers.push(poller);
    await poller.start();

    const waiting = poller.waitForIdle({ timeoutMs: 100 });
    await expect(waiting).rejects.toThrow(NotIdleError);
    await expect(waiting).rejects.toThrow(/1 invocation\(s\) running/);
  });
});
