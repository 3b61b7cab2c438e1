import { SQSClient } from '@aws-sdk/client-sqs';
import { Option, type Command } from 'commander';
import { explainAwsError } from '../aws-errors';
import { CliError, EXIT_FAILURE, reportError } from '../errors';
import { positiveInteger } from '../options';
import {
  assertRedrivable,
  dlqUrlFromOutputs,
  INGEST_STACK,
  localQueueUrls,
  moveMessages,
  queueArn,
  REDRIVE_QUEUES,
  startMoveTask,
  waitForMoveTask,
  type RedriveQueue,
} from '../redrive';

interface RedriveFlags {
  readonly queue: RedriveQueue;
  readonly dlqArn?: string;
  readonly dlqUrl?: string;
  readonly outputsFile?: string;
  readonly stack: string;
  readonly endpoint?: string;
  readonly queuePrefix?: string;
  readonly maxPerSecond?: number;
  readonly wait?: boolean;
  readonly json?: boolean;
}

/** What an operator needs for a redrive on AWS (docs/operations.md, "Redrive a dead-letter queue"). */
export const REDRIVE_ACTIONS = [
  'sqs:StartMessageMoveTask',
  'sqs:ListMessageMoveTasks',
  'sqs:GetQueueAttributes',
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:SendMessage',
  'kms:Decrypt',
  'kms:GenerateDataKey',
] as const;

function localClient(endpoint: string): SQSClient {
  // An emulator takes any credentials; fixed ones keep the SDK from looking for real ones.
  return new SQSClient({
    endpoint,
    region: process.env['AWS_REGION'] ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** `dumpflow redrive`: a dead-letter queue's messages back to their source queue. */
export function registerRedrive(program: Command): Command {
  return program
    .command('redrive')
    .description(
      "move a dead-letter queue's messages back to the queue they failed on: on AWS with an SQS message move task, against an emulator (--endpoint) by receiving and re-sending them",
    )
    .addOption(
      new Option('--queue <name>', 'whose DLQ: the dump queue, the fan-out queue (kpi: see the error)')
        .choices(REDRIVE_QUEUES)
        .makeOptionMandatory(),
    )
    .option('--dlq-arn <arn>', 'the DLQ on AWS, by ARN')
    .option(
      '--dlq-url <url>',
      'the DLQ on AWS, by URL (stack output DumpDeadLetterQueueUrl or FanoutDeadLetterQueueUrl)',
    )
    .option('--outputs-file <file>', 'the DLQ from the file `cdk deploy --outputs-file FILE` wrote')
    .option('--stack <name>', 'with --outputs-file: the ingest stack', INGEST_STACK)
    .option(
      '--endpoint <url>',
      "an SQS emulator holding the local runtime's queues (dumpflow-dump-dlq -> dumpflow-dump, ...): messages are moved one batch at a time",
    )
    .option('--queue-prefix <prefix>', 'with --endpoint: the prefix of the queue names (default dumpflow)')
    .option(
      '--max-per-second <n>',
      'on AWS: the move rate limit (SQS default: as fast as it can)',
      positiveInteger,
    )
    .option('--wait', 'on AWS: wait for the move task to finish and print how many moved')
    .option('--json', 'print one JSON object on stdout')
    .action(async (flags: RedriveFlags) => {
      const json = flags.json === true;
      const given = [flags.dlqArn, flags.dlqUrl, flags.outputsFile, flags.endpoint].filter(
        (value) => value !== undefined,
      );
      let sqs: SQSClient | undefined;
      try {
        assertRedrivable(flags.queue);
        if (given.length !== 1) {
          throw new CliError(
            'E_USAGE',
            'give exactly one of --dlq-arn ARN, --dlq-url URL, --outputs-file FILE (on AWS) and --endpoint URL (an emulator)',
          );
        }
        const out = (text: string, value: Record<string, unknown>) =>
          process.stdout.write(json ? `${JSON.stringify({ queue: flags.queue, ...value })}\n` : text);

        if (flags.endpoint !== undefined) {
          sqs = localClient(flags.endpoint);
          const { dlqUrl, sourceUrl } = await localQueueUrls(sqs, flags.queue, flags.queuePrefix);
          const { moved, failed } = await moveMessages(sqs, dlqUrl, sourceUrl);
          out(
            `moved ${moved} message(s) from ${dlqUrl} to ${sourceUrl}${failed > 0 ? `; ${failed} could not be sent and stay in the DLQ` : ''}\n`,
            { dlqUrl, sourceUrl, moved, failed },
          );
          if (failed > 0) process.exitCode = EXIT_FAILURE;
          return;
        }

        sqs = new SQSClient({});
        const dlqUrl =
          flags.dlqUrl ??
          (flags.outputsFile === undefined
            ? undefined
            : await dlqUrlFromOutputs(flags.outputsFile, flags.stack, flags.queue));
        const dlqArn = flags.dlqArn ?? (await queueArn(sqs, dlqUrl!));
        const taskHandle = await startMoveTask(sqs, dlqArn, {
          ...(flags.maxPerSecond !== undefined && { maxPerSecond: flags.maxPerSecond }),
        });
        if (flags.wait !== true) {
          out(
            `started moving the messages of ${dlqArn} back to their source queue\ntask handle: ${taskHandle}\n(follow it with --wait, or \`aws sqs list-message-move-tasks --source-arn ${dlqArn}\`)\n`,
            { dlqArn, taskHandle },
          );
          return;
        }
        const result = await waitForMoveTask(sqs, dlqArn, taskHandle, {
          onProgress: (p) => {
            if (!json) process.stderr.write(`move task ${p.status}: ${p.moved} moved so far\n`);
          },
        });
        out(
          `move task ${taskHandle} ${result.status}: moved ${result.moved} message(s) from ${dlqArn}${result.failureReason ? ` (${result.failureReason})` : ''}\n`,
          { dlqArn, taskHandle, ...result },
        );
        if (result.status !== 'COMPLETED') process.exitCode = EXIT_FAILURE;
      } catch (error) {
        reportError(explainAwsError(error, { actions: REDRIVE_ACTIONS }) ?? error, { json });
      } finally {
        sqs?.destroy();
      }
    });
}
