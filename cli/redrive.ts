import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { packBatches } from '../lambdas/app/send-messages';
import { localQueueName } from '../local/services/s3-sqs';
import { CliError, fileError } from './errors';

/**
 * `dumpflow redrive`: a dead-letter queue's messages back to the queue they failed on. On AWS SQS
 * moves them itself (a message move task, rate-limited, resumable, visible in the console); an
 * emulator such as the local runtime's fauxqs has no move tasks, so locally the messages are
 * received, sent to the source queue and only then deleted from the DLQ (a message is never lost,
 * at worst sent twice, which the pipeline takes as a redelivery).
 */

export type RedriveQueue = 'dump' | 'fanout' | 'kpi';
export const REDRIVE_QUEUES: readonly RedriveQueue[] = ['dump', 'fanout', 'kpi'];

/** The stack output naming each DLQ (lib/stacks/ingest-stack.ts addOutputs). */
export const DLQ_OUTPUTS: Readonly<Record<Exclude<RedriveQueue, 'kpi'>, string>> = {
  dump: 'DumpDeadLetterQueueUrl',
  fanout: 'FanoutDeadLetterQueueUrl',
};

export const INGEST_STACK = 'DumpflowIngest';

/** The KPI on-failure queue is a stream mapping's destination, not a queue's DLQ. */
export class NotRedrivableError extends CliError {
  constructor() {
    super(
      'E_NOT_REDRIVABLE',
      "the KPI on-failure queue holds descriptions of table-stream batches, not messages of a queue, so there is nowhere to move them back to; the watchdog recomputes the KPIs of completed dumps that lag, so read the descriptions (docs/operations.md, 'KPI on-failure queue not empty') and purge the queue",
    );
  }
}

export function assertRedrivable(queue: RedriveQueue): asserts queue is Exclude<RedriveQueue, 'kpi'> {
  if (queue === 'kpi') throw new NotRedrivableError();
}

/** The DLQ's URL from `cdk deploy --outputs-file FILE` (`{"DumpflowIngest": {"DumpDeadLetterQueueUrl": ...}}`). */
export async function dlqUrlFromOutputs(
  file: string,
  stack: string,
  queue: Exclude<RedriveQueue, 'kpi'>,
): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw fileError('read', file, error);
  }
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch {
    throw new CliError('E_OUTPUTS', `${file} is not JSON; give the file \`cdk deploy --outputs-file\` wrote`);
  }
  const value = (outputs as Record<string, Record<string, unknown> | undefined>)[stack]?.[DLQ_OUTPUTS[queue]];
  if (typeof value !== 'string') {
    throw new CliError(
      'E_OUTPUTS',
      `${file} has no ${stack}.${DLQ_OUTPUTS[queue]}; check --stack (default ${INGEST_STACK}) or give --dlq-arn`,
    );
  }
  return value;
}

export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const response = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = response.Attributes?.['QueueArn'];
  if (arn === undefined) throw new CliError('E_NO_QUEUE', `SQS names no ARN for ${queueUrl}`);
  return arn;
}

/** Starts SQS's move of every message in the DLQ back to the queue each came from; the task handle. */
export async function startMoveTask(
  sqs: SQSClient,
  dlqArn: string,
  options: { readonly maxPerSecond?: number } = {},
): Promise<string> {
  const response = await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: dlqArn,
      ...(options.maxPerSecond !== undefined && { MaxNumberOfMessagesPerSecond: options.maxPerSecond }),
    }),
  );
  if (response.TaskHandle === undefined) throw new CliError('E_NO_TASK', 'SQS started no move task');
  return response.TaskHandle;
}

export interface MoveTaskResult {
  readonly status: string;
  readonly moved: number;
  readonly toMove?: number;
  readonly failureReason?: string;
}

/** Polls ListMessageMoveTasks until the task with `taskHandle` leaves RUNNING; what it moved. */
export async function waitForMoveTask(
  sqs: SQSClient,
  dlqArn: string,
  taskHandle: string,
  options: {
    readonly intervalMs?: number;
    readonly timeoutMs?: number;
    readonly wait?: (ms: number) => Promise<unknown>;
    readonly onProgress?: (result: MoveTaskResult) => void;
  } = {},
): Promise<MoveTaskResult> {
  const wait = options.wait ?? sleep;
  const deadline = Date.now() + (options.timeoutMs ?? 3_600_000);
  for (;;) {
    // The most recent tasks of the source, newest first; ours is among them while it runs.
    const response = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }));
    const task = response.Results?.find((t) => t.TaskHandle === taskHandle) ?? response.Results?.[0];
    const result: MoveTaskResult = {
      status: task?.Status ?? 'UNKNOWN',
      moved: task?.ApproximateNumberOfMessagesMoved ?? 0,
      ...(task?.ApproximateNumberOfMessagesToMove !== undefined && {
        toMove: task.ApproximateNumberOfMessagesToMove,
      }),
      ...(task?.FailureReason !== undefined && { failureReason: task.FailureReason }),
    };
    if (task !== undefined && task.Status !== 'RUNNING' && task.Status !== 'CANCELLING') return result;
    options.onProgress?.(result);
    if (Date.now() >= deadline) {
      throw new CliError(
        'E_MOVE_TIMEOUT',
        `the move task is still ${result.status} (${result.moved} moved so far); it carries on: \`aws sqs list-message-move-tasks --source-arn ${dlqArn}\``,
      );
    }
    await wait(options.intervalMs ?? 5_000);
  }
}

/** The local runtime's DLQ and source queue of `queue` (as local/services/s3-sqs.ts names them). */
export async function localQueueUrls(
  sqs: SQSClient,
  queue: Exclude<RedriveQueue, 'kpi'>,
  prefix?: string,
): Promise<{ readonly dlqUrl: string; readonly sourceUrl: string }> {
  const url = async (name: string): Promise<string> => {
    try {
      const response = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
      if (response.QueueUrl !== undefined) return response.QueueUrl;
    } catch (error) {
      if (!(error instanceof QueueDoesNotExist)) throw error;
    }
    throw new CliError(
      'E_NO_QUEUE',
      `there is no queue ${name} at the endpoint; give the endpoint of the local runtime's SQS (and --queue-prefix if it was started with another)`,
    );
  };
  return {
    dlqUrl: await url(localQueueName(`${queue}-dlq`, prefix)),
    sourceUrl: await url(localQueueName(queue, prefix)),
  };
}

function copyOf(message: Message, id: string) {
  return {
    Id: id,
    MessageBody: message.Body ?? '',
    ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0
      ? { MessageAttributes: message.MessageAttributes }
      : {}),
  };
}

/**
 * Moves every message from `fromUrl` to `toUrl` by hand: receive up to 10, send them in batches,
 * delete those the send accepted; until a receive comes back empty. A message whose send failed
 * stays in the DLQ (visible again after `visibilityTimeout`). The count moved.
 */
export async function moveMessages(
  sqs: SQSClient,
  fromUrl: string,
  toUrl: string,
  options: { readonly visibilityTimeout?: number } = {},
): Promise<{ readonly moved: number; readonly failed: number }> {
  let moved = 0;
  let failed = 0;
  for (;;) {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: fromUrl,
        MaxNumberOfMessages: 10,
        // For an emulator, which answers from every message at once; on SQS a short poll samples
        // servers and may come back empty early, which is why AWS redrives use a move task.
        WaitTimeSeconds: 0,
        VisibilityTimeout: options.visibilityTimeout ?? 60,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return { moved, failed };
    // Ten fan-out chunks can exceed one batch's 256 KiB: pack them as the parser does.
    const accepted = new Set<number>();
    for (const batch of packBatches(messages.map((m, i) => ({ id: String(i), body: m.Body ?? '' })))) {
      const sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: toUrl,
          Entries: batch.map(({ id }) => copyOf(messages[Number(id)]!, id)),
        }),
      );
      for (const entry of sent.Successful ?? []) accepted.add(Number(entry.Id));
    }
    failed += messages.length - accepted.size;
    const done = messages.filter((_, i) => accepted.has(i));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: fromUrl,
          Entries: done.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
    moved += done.length;
    // Every send of this batch failed: stop rather than receive the same messages again and again.
    if (done.length === 0) return { moved, failed };
  }
}
