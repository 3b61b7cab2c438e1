import { PIPELINE_SETTINGS } from '../../lambdas/shared/pipeline-settings';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SingleBar } from 'cli-progress';
import { Option, type Command } from 'commander';
import {
  DEFAULT_UPLOAD_KEY_LAYOUT,
  UPLOAD_KEY_LAYOUTS,
  type UploadKeyLayout,
} from '../../lambdas/core/upload-key';
import { verifyStore, type VerifyProgress } from '../../verify';
import { explainAwsError } from '../aws-errors';
import { reportError } from '../errors';
import { positiveInteger } from '../options';
import { formatVerifyReport } from '../verify-summary';

interface VerifyFlags {
  readonly bucket: string;
  readonly table: string;
  readonly prefix: string;
  readonly rejectedPrefix: string;
  readonly uploadKeyLayout: UploadKeyLayout;
  readonly saltBuckets: number;
  readonly scanLedger?: boolean;
  readonly objectRetentionDays: number;
  readonly shown: number;
  readonly json?: boolean;
}

/** Exit statuses: scripts tell "the store disagrees" from "could not look". */
export const EXIT_DIFFERENCES = 1;
export const EXIT_NOT_VERIFIED = 2;

/** What verify reads: named in the "access denied" message. */
export const VERIFY_ACTIONS = [
  's3:ListBucket',
  's3:GetObject',
  'dynamodb:GetItem',
  'dynamodb:Query',
  'kms:Decrypt',
] as const;

/**
 * Clients from the SDK's standard configuration (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3,
 * AWS_ENDPOINT_URL_DYNAMODB, ...). An S3 endpoint override is an emulator or a gateway that wants
 * path-style addressing.
 */
function clients(): { s3: S3Client; dynamodb: DynamoDBClient } {
  const s3Endpoint = process.env['AWS_ENDPOINT_URL_S3'] ?? process.env['AWS_ENDPOINT_URL'];
  return {
    s3: new S3Client({ forcePathStyle: Boolean(s3Endpoint) }),
    dynamodb: new DynamoDBClient({ maxAttempts: 6 }),
  };
}

function progressBar(): ((progress: VerifyProgress) => void) & { stop(): void } {
  if (process.stderr.isTTY !== true) return Object.assign(() => undefined, { stop: () => undefined });
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'verify [{bar}] {value}/{total} {stage}  {differences} difference(s)  {duration_formatted}',
    hideCursor: true,
    clearOnComplete: true,
  });
  let started = false;
  const update = (p: VerifyProgress) => {
    const stage = p.stage === 'listing' ? 'objects listed' : p.stage === 'dumps' ? 'dumps' : 'items scanned';
    if (!started) {
      bar.start(p.total, p.done, { stage, differences: p.differences });
      started = true;
    }
    bar.setTotal(Math.max(p.total, p.done));
    bar.update(p.done, { stage, differences: p.differences });
  };
  return Object.assign(update, { stop: () => started && bar.stop() });
}

/** `dumpflow verify`: reconciles a bucket's dumps with the ledger and the stored events. */
export function registerVerify(program: Command): Command {
  return program
    .command('verify')
    .description(
      'check that every valid dump in the bucket is COMPLETE with each event stored exactly once, and every malformed one REJECTED with its code and copy; exit 1 on any difference, 2 when it cannot check',
    )
    .requiredOption('--bucket <name>', 'the dump bucket')
    .requiredOption('--table <name>', 'the dumpflow table')
    .option('--prefix <prefix>', 'dumps are the objects under this prefix', PIPELINE_SETTINGS.incomingPrefix)
    .option('--rejected-prefix <prefix>', 'where rejected copies are filed', PIPELINE_SETTINGS.rejectedPrefix)
    .addOption(
      new Option(
        '--upload-key-layout <layout>',
        "the stack's dumpflow:uploadKeyLayout: with device-prefix a dump under another device's prefix must be REJECTED E_DEVICE_MISMATCH",
      )
        .choices(UPLOAD_KEY_LAYOUTS)
        .default(DEFAULT_UPLOAD_KEY_LAYOUT),
    )
    .option(
      '--salt-buckets <n>',
      'event partitions per device-day: the largest SALT_BUCKETS ever deployed',
      positiveInteger,
      10,
    )
    .option(
      '--scan-ledger',
      'also find ledger items whose object is gone (a Scan of the whole table: needs dynamodb:Scan and reads every item)',
    )
    .option(
      '--object-retention-days <n>',
      "with --scan-ledger: days the bucket keeps an upload (the stack's processedRetentionDays); older ledger items may have lost their object",
      positiveInteger,
      7,
    )
    .option('--shown <n>', 'differences listed in the text output', positiveInteger, 20)
    .option('--json', 'print one JSON object (the report, or {"error":{"code","message"}}) on stdout')
    .action(async (flags: VerifyFlags) => {
      const json = flags.json === true;
      const { s3, dynamodb } = clients();
      const bar = progressBar();
      try {
        const report = await verifyStore({
          s3,
          dynamodb,
          bucket: flags.bucket,
          tableName: flags.table,
          prefix: flags.prefix,
          rejectedPrefix: flags.rejectedPrefix,
          uploadKeyLayout: flags.uploadKeyLayout,
          saltBuckets: flags.saltBuckets,
          scanLedger: flags.scanLedger === true,
          objectRetentionDays: flags.objectRetentionDays,
          onProgress: bar,
        });
        bar.stop();
        process.stdout.write(json ? `${JSON.stringify(report)}\n` : formatVerifyReport(report, flags.shown));
        process.exitCode = report.differences.length === 0 ? 0 : EXIT_DIFFERENCES;
      } catch (error) {
        bar.stop();
        const actions =
          flags.scanLedger === true
            ? [...VERIFY_ACTIONS, 'dynamodb:Scan', 's3:GetObjectVersion']
            : VERIFY_ACTIONS;
        reportError(
          explainAwsError(error, { bucket: flags.bucket, tableName: flags.table, actions }) ?? error,
          {
            json,
          },
        );
        process.exitCode = EXIT_NOT_VERIFIED;
      } finally {
        s3.destroy();
        dynamodb.destroy();
      }
    });
}
