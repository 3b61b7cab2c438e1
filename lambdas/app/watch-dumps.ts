import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LedgerEntry, WatchSettings } from '../core/ledger';
import { runWatchdog, type WatchdogReport } from '../core/watchdog/watchdog';
import { encodeS3EventKey } from './s3-notification';

export interface WatchDumpsDeps {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly tableName: string;
  /** The dump queue: where S3 notifications arrive, and where a stuck dump is handed back. */
  readonly dumpQueueUrl: string;
  readonly watch: WatchSettings;
  readonly clock?: () => number;
}

/**
 * The notification S3 sent for the dump's object, as the parser reads it (s3-notification.ts):
 * a re-drive goes through the very path a redelivered notification takes. `dumpflowRedrive` says
 * where it came from to whoever reads the queue; the parser does not look at it.
 */
export function redriveNotification(ledger: LedgerEntry): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventTime: new Date(ledger.uploadedAt).toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: ledger.bucket },
          object: {
            key: encodeS3EventKey(ledger.key),
            ...(ledger.versionKind === 'versionId'
              ? { versionId: ledger.version }
              : { eTag: ledger.version }),
          },
        },
      },
    ],
    dumpflowRedrive: { dumpId: ledger.dumpId, redrive: ledger.redrives + 1 },
  });
}

/** One watchdog run (lambdas/core/watchdog): re-drives stuck dumps, fails hopeless ones, repairs stale KPIs. */
export function watchDumps(deps: WatchDumpsDeps): Promise<WatchdogReport> {
  return runWatchdog({
    dynamodb: deps.dynamodb,
    tableName: deps.tableName,
    watch: deps.watch,
    ...(deps.clock && { clock: deps.clock }),
    redrive: async (ledger) => {
      await deps.sqs.send(
        new SendMessageCommand({ QueueUrl: deps.dumpQueueUrl, MessageBody: redriveNotification(ledger) }),
      );
    },
  });
}
