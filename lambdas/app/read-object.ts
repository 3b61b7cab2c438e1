import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DumpflowError } from '../core/errors';

export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
}

/** The dump is larger than the parser accepts: announced before any byte is read. */
export class ObjectTooLargeError extends DumpflowError {
  constructor(bytes: number, limit: number) {
    super(
      'E_OBJECT_TOO_LARGE',
      `the object is ${bytes} bytes, more than the ${limit} bytes a dump can hold; it cannot be an MDMP/1 dump`,
    );
  }
}

export interface ReadObject {
  readonly bytes: Buffer;
  /** The version read (a versioned bucket), else undefined. */
  readonly versionId: string | undefined;
  /** Without the quotes S3 puts around it. */
  readonly eTag: string | undefined;
}

/**
 * Streams an object into one buffer sized from Content-Length, so a 35 MB year dump is copied once
 * instead of being concatenated chunk by chunk.
 */
export async function readObject(s3: S3Client, ref: ObjectRef, maxBytes: number): Promise<ReadObject> {
  const response = await s3.send(
    new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, VersionId: ref.versionId }),
  );
  const identity = { versionId: response.VersionId, eTag: response.ETag?.replaceAll('"', '') };
  const announced = response.ContentLength;
  if (announced !== undefined && announced > maxBytes) throw new ObjectTooLargeError(announced, maxBytes);
  const body = response.Body as AsyncIterable<Uint8Array> | undefined;
  if (body === undefined) return { bytes: Buffer.alloc(0), ...identity };

  let buffer = Buffer.allocUnsafe(announced ?? 1 << 20);
  let length = 0;
  for await (const piece of body) {
    if (length + piece.length > buffer.length) {
      if (length + piece.length > maxBytes) throw new ObjectTooLargeError(length + piece.length, maxBytes);
      const grown = Buffer.allocUnsafe(Math.max(buffer.length * 2, length + piece.length));
      buffer.copy(grown, 0, 0, length);
      buffer = grown;
    }
    buffer.set(piece, length);
    length += piece.length;
  }
  return { bytes: buffer.subarray(0, length), ...identity };
}
