import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  assertRedrivable,
  dlqUrlFromOutputs,
  moveMessages,
  queueArn,
  startMoveTask,
  waitForMoveTask,
} from '../../../cli/redrive';
import { runCli } from '../../support/run-cli';

const DLQ_ARN = 'arn:aws:sqs:eu-west-1:111122223333:DumpflowIngest-DumpDlq';

describe('redrive on AWS (a message move task)', () => {
  const sqsMock = mockClient(SQSClient);
  const sqs = new SQSClient({ region: 'eu-west-1' });
  beforeEach(() => sqsMock.reset());

  it('starts a move task from the DLQ, rate-limited when asked, and returns its handle', async () => {
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'handle-1' });
    expect(await startMoveTask(sqs, DLQ_ARN, { maxPerSecond: 10 })).toBe('handle-1');
    expect(sqsMock.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input).toEqual({
      SourceArn: DLQ_ARN,
      MaxNumberOfMessagesPerSecond: 10,
    });
  });

  it('finds the DLQ ARN from its URL', async () => {
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: DLQ_ARN } });
    expect(await queueArn(sqs, 'https://sqs.eu-west-1.amazonaws.com/111122223333/DumpDlq')).toBe(DLQ_ARN);
  });

  it('polls ListMessageMoveTasks until its task has finished and reports how many moved', async () => {
    sqsMock
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({
        Results: [{ TaskHandle: 'h', Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 3 }],
      })
      .resolves({
        Results: [
          { TaskHandle: 'h', Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 7 },
          { TaskHandle: 'older', Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 1 },
        ],
      });
    const waits: number[] = [];
    const progress: number[] = [];
    const result = await waitForMoveTask(sqs, DLQ_ARN, 'h', {
      intervalMs: 10,
      wait: async (ms) => void waits.push(ms),
      onProgress: (p) => progress.push(p.moved),
    });
    expect(result).toEqual({ status: 'COMPLETED', moved: 7 });
    expect(waits).toEqual([10]);
    expect(progress).toEqual([3]);
  });

  it('reads the DLQ URL from a cdk outputs file, and says what is missing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'redrive-'));
    try {
      const file = path.join(dir, 'outputs.json');
      writeFileSync(
        file,
        JSON.stringify({ DumpflowIngest: { FanoutDeadLetterQueueUrl: 'https://q/fanout-dlq' } }),
      );
      expect(await dlqUrlFromOutputs(file, 'DumpflowIngest', 'fanout')).toBe('https://q/fanout-dlq');
      await expect(dlqUrlFromOutputs(file, 'DumpflowIngest', 'dump')).rejects.toMatchObject({
        code: 'E_OUTPUTS',
        message: expect.stringContaining('DumpflowIngest.DumpDeadLetterQueueUrl'),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses the KPI on-failure queue, which has no source queue', () => {
    expect(() => assertRedrivable('kpi')).toThrow(expect.objectContaining({ code: 'E_NOT_REDRIVABLE' }));
    expect(() => assertRedrivable('dump')).not.toThrow();
  });
});

describe('moveMessages (an emulator without move tasks)', () => {
  const sqsMock = mockClient(SQSClient);
  const sqs = new SQSClient({ region: 'us-east-1' });
  beforeEach(() => sqsMock.reset());

  it('deletes from the DLQ only what the source queue accepted, and stops when the DLQ is empty', async () => {
    const messages = [0, 1, 2].map((i) => ({
      MessageId: `m${i}`,
      Body: `body-${i}`,
      ReceiptHandle: `r${i}`,
    }));
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({ Messages: [] });
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [
        { Id: '0', MessageId: 'x', MD5OfMessageBody: '' },
        { Id: '2', MessageId: 'y', MD5OfMessageBody: '' },
      ],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    });
    sqsMock.on(DeleteMessageBatchCommand).resolves({});
    expect(await moveMessages(sqs, 'dlq', 'source')).toEqual({ moved: 2, failed: 1 });
    const sent = sqsMock.commandCalls(SendMessageBatchCommand)[0]?.args[0].input;
    expect(sent?.QueueUrl).toBe('source');
    expect(sent?.Entries?.map((e) => e.MessageBody)).toEqual(['body-0', 'body-1', 'body-2']);
    const deleted = sqsMock.commandCalls(DeleteMessageBatchCommand)[0]?.args[0].input;
    expect(deleted?.QueueUrl).toBe('dlq');
    expect(deleted?.Entries?.map((e) => e.ReceiptHandle)).toEqual(['r0', 'r2']);
  });

  it('packs large chunk messages into batches under 256 KiB', async () => {
    const big = 'x'.repeat(100 * 1024);
    const messages = Array.from({ length: 5 }, (_, i) => ({ Body: big, ReceiptHandle: `r${i}` }));
    sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({});
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: e.Id, MD5OfMessageBody: '' })),
    }));
    sqsMock.on(DeleteMessageBatchCommand).resolves({});
    expect(await moveMessages(sqs, 'dlq', 'source')).toEqual({ moved: 5, failed: 0 });
    expect(sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries?.length)).toEqual(
      [2, 2, 1],
    );
  });
});

describe('dumpflow redrive (usage)', () => {
  it('refuses --queue kpi and a call that names no DLQ, in one line each', async () => {
    const kpi = await runCli(['redrive', '--queue', 'kpi', '--dlq-arn', DLQ_ARN]);
    expect(kpi.status).toBe(1);
    expect(kpi.stderr).toMatch(/^error E_NOT_REDRIVABLE: the KPI on-failure queue holds/m);
    const none = await runCli(['redrive', '--queue', 'dump']);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^error E_USAGE: give exactly one of --dlq-arn/m);
  }, 30_000);
});
