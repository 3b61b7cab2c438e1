import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { notifyObjectCreated, type CreatedObject } from './s3-notifications';

export interface DumpUploader {
  /** Writes the object, then delivers the notification S3 would, as one step (what a device upload does). */
  upload(key: string, body: Uint8Array): Promise<CreatedObject & { readonly messageId: string }>;
  /** Only writes the object; notify() delivers its notification (fault injection sends it late or twice). */
  put(key: string, body: Uint8Array): Promise<CreatedObject>;
  /** Delivers the ObjectCreated notification for an object put() wrote; returns the SQS message id. */
  notify(object: CreatedObject): Promise<string>;
}

export interface DumpUploaderOptions {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly bucket: string;
  /** The queue the bucket's ObjectCreated notification targets. */
  readonly queueUrl: string;
  readonly region: string;
}

/** Stands in for S3's bucket notification, which fauxqs lacks: PutObject followed by the event. */
export function createDumpUploader(options: DumpUploaderOptions): DumpUploader {
  const uploader: DumpUploader = {
    async upload(key, body) {
      const object = await uploader.put(key, body);
      const messageId = await uploader.notify(object);
      return { ...object, messageId };
    },
    async put(key, body) {
      const put = await options.s3.send(
        new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: body }),
      );
      if (put.ETag === undefined) throw new Error(`PutObject ${options.bucket}/${key} returned no ETag`);
      const object: CreatedObject = {
        bucket: options.bucket,
        key,
        size: body.byteLength,
        eTag: put.ETag,
        ...(put.VersionId === undefined ? {} : { versionId: put.VersionId }),
        eventTime: new Date(),
      };
      return { ...object, eTag: object.eTag.replaceAll('"', '') };
    },
    notify: (object) => notifyObjectCreated(options.sqs, options.queueUrl, object, options.region),
  };
  return uploader;
}
