import {
  BatchWriteItemCommand,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  type BatchWriteItemCommandInput,
  type BatchWriteItemCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { batchWriteAll, WriteRetriesExhaustedError, type Item } from '../../../bench/batch-writer';
import { CapacityMeter } from '../../../lambdas/core/storage/capacity';

type Respond = (
  input: BatchWriteItemCommandInput,
  call: number,
) => Partial<BatchWriteItemCommandOutput> | Error;

/** A fake client: records calls, answers with `respond`. */
function fakeClient(respond: Respond) {
  const calls: BatchWriteItemCommandInput[] = [];
  const client = {
    send: async (command: BatchWriteItemCommand) => {
      calls.push(command.input);
      const answer = respond(command.input, calls.length);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as DynamoDBClient;
  return { client, calls };
}

const items = (count: number): Item[] =>
  Array.from({ length: count }, (_, i) => ({ pk: { S: `p${i}` }, sk: { S: 's' } }));
const timing = () => {
  const sleeps: number[] = [];
  return { sleeps, timing: { sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.5 } };
};
const putsOf = (input: BatchWriteItemCommandInput) => input.RequestItems?.['t'] ?? [];

describe('batchWriteAll', () => {
  it('sends batches of 25 and reports consumed capacity', async () => {
    const { client, calls } = fakeClient((input) => ({
      ConsumedCapacity: [{ TableName: 't', CapacityUnits: putsOf(input).length }],
    }));
    const meter = new CapacityMeter();
    await expect(batchWriteAll(client, 't', items(60), { meter })).resolves.toEqual({ written: 60 });
    expect(calls.map((c) => putsOf(c).length).sort()).toEqual([10, 25, 25]);
    expect(meter.snapshot()).toEqual({ readUnits: 0, writeUnits: 60, requests: 3 });
  });

  it('re-sends unprocessed items with growing, jittered backoff until all are written', async () => {
    const { client, calls } = fakeClient((input, call) => {
      const puts = putsOf(input);
      return call <= 2 ? { UnprocessedItems: { t: puts.slice(0, puts.length - 5) } } : {};
    });
    const { sleeps, timing: t } = timing();
    await batchWriteAll(client, 't', items(25), { timing: t, baseDelayMs: 100, maxDelayMs: 1000 });
    expect(calls.map((c) => putsOf(c).length)).toEqual([25, 20, 15]);
    expect(putsOf(calls[2]!).map((p) => p.PutRequest?.Item?.['pk']?.S)).toEqual(
      items(15).map((i) => i['pk']?.S),
    );
    expect(sleeps).toEqual([50, 100]);
  });

  it('retries throttling errors like unprocessed items', async () => {
    const { client, calls } = fakeClient((_, call) =>
      call === 1 ? new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }) : {},
    );
    await batchWriteAll(client, 't', items(3), { timing: timing().timing });
    expect(calls).toHaveLength(2);
  });

  it('throws E_WRITE_RETRIES_EXHAUSTED after maxAttempts, never dropping items silently', async () => {
    const { client, calls } = fakeClient((input) => ({ UnprocessedItems: { t: putsOf(input).slice(1) } }));
    const run = batchWriteAll(client, 't', items(10), { timing: timing().timing, maxAttempts: 4 });
    await expect(run).rejects.toBeInstanceOf(WriteRetriesExhaustedError);
    await expect(run).rejects.toMatchObject({ code: 'E_WRITE_RETRIES_EXHAUSTED' });
    expect(calls).toHaveLength(4);
  });

  it('caps the delay and passes other errors through at once', async () => {
    const { client } = fakeClient(() => ({
      UnprocessedItems: { t: items(1).map((Item) => ({ PutRequest: { Item } })) },
    }));
    const { sleeps, timing: t } = timing();
    await expect(
      batchWriteAll(client, 't', items(1), { timing: t, maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 400 }),
    ).rejects.toThrow(WriteRetriesExhaustedError);
    expect(Math.max(...sleeps)).toBe(200);
    const failing = fakeClient(() => new Error('ValidationException'));
    await expect(batchWriteAll(failing.client, 't', items(30), { timing: t })).rejects.toThrow(
      'ValidationException',
    );
  });

  it('keeps at most `concurrency` calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const client = {
      send: async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight--;
        return {};
      },
    } as unknown as DynamoDBClient;
    await batchWriteAll(client, 't', items(25 * 10), { concurrency: 3 });
    expect(peak).toBe(3);
  });
});
