import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { FanOutError, packBatches, sendAll, type OutgoingMessage } from '../../../lambdas/app/send-messages';
import { DumpflowError } from '../../../lambdas/core/errors';

const message = (id: number, bytes = 10): OutgoingMessage => ({ id: `m${id}`, body: 'x'.repeat(bytes) });
const noSleep = { sleep: async () => undefined, random: () => 0 };

describe('packBatches', () => {
  it('never puts more than 10 entries in one batch', () => {
    const batches = packBatches(Array.from({ length: 25 }, (_, i) => message(i)));
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
  });

  it('never exceeds 256 KiB of bodies in one batch', () => {
    const batches = packBatches(Array.from({ length: 5 }, (_, i) => message(i, 100 * 1024)));
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const batch of batches) {
      expect(batch.reduce((sum, m) => sum + m.body.length, 0)).toBeLessThanOrEqual(256 * 1024);
    }
  });

  it('rejects a single message over the SQS limit instead of sending it', () => {
    expect(() => packBatches([message(1, 256 * 1024 + 1)])).toThrow(DumpflowError);
  });
});

describe('sendAll', () => {
  const sqsMock = mockClient(SQSClient);
  const sqs = new SQSClient({ region: 'us-east-1' });
  beforeEach(() => sqsMock.reset());

  it('re-sends only the entries SQS reports as failed', async () => {
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: 'm1', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Successful: [], Failed: [] });
    const { requests } = await sendAll(sqs, 'q', [message(0), message(1), message(2)], noSleep);
    expect(requests).toBe(2);
    const second = sqsMock.commandCalls(SendMessageBatchCommand)[1]?.args[0].input;
    expect(second?.Entries?.map((e) => e.Id)).toEqual(['m1']);
  });

  it('retries a batch whose call failed outright', async () => {
    sqsMock.on(SendMessageBatchCommand).rejectsOnce(new Error('socket hang up')).resolves({ Failed: [] });
    await expect(sendAll(sqs, 'q', [message(0)], noSleep)).resolves.toEqual({ requests: 2 });
  });

  it('throws FanOutError when entries keep failing, so the notification is retried', async () => {
    sqsMock
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: 'm0', Code: 'InternalError', SenderFault: false }] });
    await expect(sendAll(sqs, 'q', [message(0)], { ...noSleep, maxAttempts: 3 })).rejects.toBeInstanceOf(
      FanOutError,
    );
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  it('does not retry an entry SQS refuses as the sender’s fault', async () => {
    sqsMock
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: 'm0', Code: 'InvalidMessageContents', SenderFault: true }] });
    await expect(sendAll(sqs, 'q', [message(0)], noSleep)).rejects.toThrow(/refused/);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('fails at once when SQS refuses the whole request as the caller’s fault', async () => {
    const denied = Object.assign(new Error('not authorized to perform sqs:SendMessage'), {
      name: 'AccessDenied',
      $fault: 'client',
    });
    sqsMock.on(SendMessageBatchCommand).rejects(denied);
    await expect(sendAll(sqs, 'q', [message(0)], noSleep)).rejects.toThrow(
      /could not be queued after 1 attempt \(not authorized/,
    );
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('keeps retrying a throttled request, which is the caller’s fault only in name', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'RequestThrottled', $fault: 'client' });
    sqsMock.on(SendMessageBatchCommand).rejectsOnce(throttled).resolves({ Failed: [] });
    await expect(sendAll(sqs, 'q', [message(0)], noSleep)).resolves.toEqual({ requests: 2 });
  });
});
