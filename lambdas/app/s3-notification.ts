import { DumpflowError } from '../core/errors';
import type { UploadedObject } from './parse-dump';

interface S3NotificationRecord {
  readonly eventName?: string;
  readonly eventTime?: string;
  readonly s3?: {
    readonly bucket?: { readonly name?: string };
    readonly object?: { readonly key?: string; readonly versionId?: string; readonly eTag?: string };
  };
}

/**
 * Encodes a key the way S3 writes it into event notifications: form encoding of the UTF-8 bytes
 * (space becomes '+', a literal '+' becomes %2B, ':' and '=' are escaped), with '/' left as is.
 * Consumers must undo it (replace '+' with ' ', then percent-decode) before calling GetObject.
 */
export function encodeS3EventKey(key: string): string {
  let encoded = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-*_/]/.test(char)) encoded += char;
    else if (char === ' ') encoded += '+';
    else encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** S3 URL-encodes keys in notifications with '+' for spaces (form encoding). */
export function decodeS3EventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/**
 * The uploaded objects an S3 notification (as delivered to SQS) names. S3's `s3:TestEvent`, sent
 * when the notification is configured, names none.
 */
export function objectsFromNotification(body: string): UploadedObject[] {
  let message: { Event?: string; Records?: S3NotificationRecord[] };
  try {
    message = JSON.parse(body) as typeof message;
  } catch {
    throw new DumpflowError(
      'E_NOTIFICATION',
      'the dump queue received a message that is not JSON; only S3 notifications belong there',
    );
  }
  if (message.Event === 's3:TestEvent') return [];
  if (!Array.isArray(message.Records)) {
    throw new DumpflowError(
      'E_NOTIFICATION',
      'the dump queue received a message without S3 Records; only S3 notifications belong there',
    );
  }
  return message.Records.filter((record) => record.eventName?.startsWith('ObjectCreated:')).map((record) => {
    const bucket = record.s3?.bucket?.name;
    const key = record.s3?.object?.key;
    const uploadedAt = Date.parse(record.eventTime ?? '');
    if (!bucket || key === undefined || Number.isNaN(uploadedAt)) {
      throw new DumpflowError(
        'E_NOTIFICATION',
        'an S3 notification record lacks its bucket, key or event time',
      );
    }
    const { versionId, eTag } = record.s3?.object ?? {};
    return {
      bucket,
      key: decodeS3EventKey(key),
      uploadedAt,
      ...(versionId ? { versionId } : {}),
      ...(eTag ? { eTag } : {}),
    };
  });
}
