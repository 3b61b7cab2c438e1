import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadFauxqs, type FauxqsServer } from './load-fauxqs';
import { createDumpUploader, type DumpUploader } from '../event-sources/s3-upload';

/** The local runtime's dump bucket (`dumpflow status --state` looks object keys up in it). */
export const LOCAL_BUCKET = 'dumpflow-dumps';

/** Prefix of the local runtime's queue names. */
export const LOCAL_QUEUE_PREFIX = 'dumpflow';

/** `{prefix}-{name}`: the local runtime's queues (`dump`, `dump-dlq`, `fanout`, `fanout-dlq`, `kpi-failure`). */
export function localQueueName(name: string, prefix = LOCAL_QUEUE_PREFIX): string {
  return `${prefix}-${name}`;
}

/** One local queue, addressed the three ways code needs it. */
export interface LocalQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
}

export interface LocalS3SqsOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default 'dumpflow-dumps' */
  readonly bucketName?: string;
  /** Prefix of every queue name, so two runtimes can share one emulator. @default 'dumpflow' */
  readonly namePrefix?: string;
  /**
   * VisibilityTimeout of the dump and fan-out queues. The deployed queues use 6x the function
   * timeout; locally a failed message should come back quickly.
   * @default 30
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Receives before SQS moves a message to the queue's DLQ (RedrivePolicy.maxReceiveCount). @default 3 */
  readonly maxReceiveCount?: number;
  /** Listening port; 0 picks a free one. @default 0 */
  readonly port?: number;
}

export interface LocalS3Sqs {
  /** http://127.0.0.1:<port>: S3 and SQS share it (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL_SQS). */
  readonly endpoint: string;
  readonly region: string;
  /** The variables the handlers' SDK singletons read to reach this emulator. */
  readonly endpointEnv: Readonly<Record<'AWS_ENDPOINT_URL_S3' | 'AWS_ENDPOINT_URL_SQS', string>>;
  readonly bucket: string;
  readonly queues: {
    /** S3 notifications for new dumps; consumed by the parser. */
    readonly dump: LocalQueue;
    readonly dumpDlq: LocalQueue;
    /** Chunks of one dump; consumed by the dedupe/write workers. */
    readonly fanout: LocalQueue;
    readonly fanoutDlq: LocalQueue;
    /** On-failure destination of the KPI stream mapping. */
    readonly kpiFailure: LocalQueue;
  };
  /**
   * New clients aimed at this emulator, for the pollers, the uploader and tests (the handlers keep
   * their own singletons and find the emulator through endpointEnv).
   */
  clients(): { readonly s3: S3Client; readonly sqs: SQSClient };
  /** The emulator itself, for tests that inspect queues (inspectQueue) or reset state. */
  readonly server: FauxqsServer;
  stop(): Promise<void>;
}

/**
 * Starts fauxqs in this process and creates what the stack would: the dump bucket, the dump and
 * fan-out queues each with a DLQ wired through RedrivePolicy, and the KPI failure queue.
 *
 * fauxqs applies RedrivePolicy itself (on the receive after maxReceiveCount), honours
 * VisibilityTimeout and ChangeMessageVisibility, and reports ApproximateReceiveCount, SentTimestamp
 * and ApproximateFirstReceiveTimestamp; it has no bucket notifications (see s3-notifications.ts).
 */
export async function startLocalS3Sqs(options: LocalS3SqsOptions = {}): Promise<LocalS3Sqs> {
  const region = options.region ?? 'us-east-1';
  const prefix = options.namePrefix ?? LOCAL_QUEUE_PREFIX;
  const bucket = options.bucketName ?? LOCAL_BUCKET;
  const visibilityTimeout = String(options.visibilityTimeoutSeconds ?? 30);
  const maxReceiveCount = String(options.maxReceiveCount ?? 3);

  const server = await loadFauxqs().startFauxqs({
    port: options.port ?? 0,
    logger: false,
    defaultRegion: region,
  });
  try {
    const create = (name: string, attributes: Record<string, string> = {}): LocalQueue => {
      const created = server.createQueue(localQueueName(name, prefix), { attributes });
      return { name: created.queueName, url: created.queueUrl, arn: created.queueArn };
    };
    const withDlq = (name: string): [LocalQueue, LocalQueue] => {
      const dlq = create(`${name}-dlq`, { MessageRetentionPeriod: '1209600' });
      const queue = create(name, {
        VisibilityTimeout: visibilityTimeout,
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount }),
      });
      return [queue, dlq];
    };
    const [dump, dumpDlq] = withDlq('dump');
    const [fanout, fanoutDlq] = withDlq('fanout');
    const kpiFailure = create('kpi-failure', { MessageRetentionPeriod: '1209600' });
    server.createBucket(bucket);

    // server.address is the 0.0.0.0 listener as seen from here; name the loopback address explicitly.
    const endpoint = `http://127.0.0.1:${server.port}`;
    return {
      endpoint,
      region,
      endpointEnv: { AWS_ENDPOINT_URL_S3: endpoint, AWS_ENDPOINT_URL_SQS: endpoint },
      bucket,
      queues: { dump, dumpDlq, fanout, fanoutDlq, kpiFailure },
      clients: () => {
        // fauxqs accepts any credentials; fixed ones keep the SDK from searching the machine for real ones.
        const common = { endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
        return { s3: new S3Client({ ...common, forcePathStyle: true }), sqs: new SQSClient(common) };
      },
      server,
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** An uploader wired to the emulated bucket and its dump queue, as the stack wires S3 to the queue. */
export function dumpUploaderFor(
  services: LocalS3Sqs,
  clients: { readonly s3: S3Client; readonly sqs: SQSClient },
): DumpUploader {
  return createDumpUploader({
    ...clients,
    bucket: services.bucket,
    queueUrl: services.queues.dump.url,
    region: services.region,
  });
}
