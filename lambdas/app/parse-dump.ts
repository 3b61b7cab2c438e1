import { CopyObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { decodeDump, DumpRejectedError, rejectedDumpOwner } from '../core/dump';
import { DumpflowError } from '../core/errors';
import { scrubError } from '../core/scrub';
import {
  claimDump,
  recordPatientDump,
  rejectDump,
  type DumpCompletion,
  type WatchSettings,
} from '../core/ledger';
import {
  CapacityMeter,
  ensureTableLayout,
  planFanOut,
  type CapacityTotals,
  type DumpRef,
} from '../core/storage';
import { checkUploadKey, DeviceMismatchError, type UploadKeyRule } from '../core/upload-key';
import { ObjectTooLargeError, readObject } from './read-object';
import { sendAll } from './send-messages';

/**
 * The largest object the parser reads. A dump holds at most 2,000,000 records; at the 32-byte
 * record size of current firmware that is 64 MB, so this leaves room for longer records while
 * staying far inside the parser's memory.
 */
export const MAX_DUMP_BYTES = 512 * 1024 * 1024;

export interface ParseDumpDeps {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly fanoutQueueUrl: string;
  readonly rejectedPrefix: string;
  /** Where dense days are staged for the workers (day-message.ts). @default DEFAULT_STAGING_PREFIX */
  readonly stagingPrefix?: string;
  /** Processing time for the expiry rule (ms), pinned per dump at claim time. */
  readonly processingTime: () => number;
  /** Deadlines of the watch index. @default DEFAULT_WATCH */
  readonly watch?: WatchSettings;
  /** Which keys may hold which device's dumps (core/upload-key.ts). @default no check (layout `any`) */
  readonly uploadKeys?: UploadKeyRule;
}

export interface UploadedObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly eTag?: string;
  /** When S3 accepted the upload (the notification's eventTime), ms. */
  readonly uploadedAt: number;
}

export type ParseDumpResult =
  | { readonly kind: 'already-finished'; readonly dumpId: string }
  | { readonly kind: 'rejected'; readonly dumpId: string; readonly code: string; readonly firstTime: boolean }
  | {
      readonly kind: 'fanned-out';
      readonly dumpId: string;
      readonly redrive: boolean;
      readonly records: number;
      readonly settledDays: number;
      readonly chunksSent: number;
      readonly completion?: DumpCompletion;
      readonly capacity: CapacityTotals;
    };

export function dumpRefOf(object: UploadedObject): DumpRef {
  const version = object.versionId ?? object.eTag;
  if (!version) {
    throw new DumpflowError(
      'E_NOTIFICATION',
      `the notification for an upload to bucket ${object.bucket} names neither a version id nor an ETag, so the upload cannot be identified; re-send the notification from S3`,
    );
  }
  return {
    bucket: object.bucket,
    key: object.key,
    version,
    versionKind: object.versionId ? 'versionId' : 'eTag',
  };
}

/**
 * Everything the parser does for one uploaded object: claim it in the ledger, decode it, reject it
 * whole when malformed, settle fully stored days from the day summaries, and queue the rest as
 * device-day chunks. Safe to run again for the same object: the ledger makes every step idempotent.
 */
export async function parseDump(deps: ParseDumpDeps, object: UploadedObject): Promise<ParseDumpResult> {
  // What an error could name: the key, and once decoded the header's ids (see scrub.ts).
  const identifiers = [object.key];
  try {
    return await parseKnownDump(deps, object, identifiers);
  } catch (error) {
    throw scrubError(error, { identifiers });
  }
}

async function parseKnownDump(
  deps: ParseDumpDeps,
  object: UploadedObject,
  identifiers: string[],
): Promise<ParseDumpResult> {
  const ref = dumpRefOf(object);
  const meter = new CapacityMeter();
  const ledgerDeps = {
    dynamodb: deps.dynamodb,
    tableName: deps.tableName,
    meter,
    ...(deps.watch ? { watch: deps.watch } : {}),
  };

  await ensureTableLayout(deps.dynamodb, deps.tableName);
  const claim = await claimDump(ledgerDeps, ref, {
    uploadedAt: object.uploadedAt,
    now: deps.processingTime(),
    ...(deps.watch ? { deadlineMs: deps.watch.deadlineMs } : {}),
  });
  const { dumpId } = claim.ledger;
  if (claim.kind === 'finished') return { kind: 'already-finished', dumpId };

  let decoded;
  let bytes: Uint8Array | undefined;
  try {
    ({ bytes } = await readObject(
      deps.s3,
      { bucket: ref.bucket, key: ref.key, versionId: object.versionId },
      MAX_DUMP_BYTES,
    ));
    decoded = decodeDump(bytes);
    identifiers.push(decoded.header.patientId, decoded.header.deviceId);
    // After the spec's whole-dump checks, so a malformed dump keeps the spec's code.
    if (deps.uploadKeys) checkUploadKey(deps.uploadKeys, ref.key, decoded.header.deviceId);
  } catch (error) {
    const mismatch = error instanceof DeviceMismatchError;
    if (!(mismatch || error instanceof DumpRejectedError || error instanceof ObjectTooLargeError))
      throw error;
    // Quarantine first: if the copy fails the message is retried while the ledger still says RECEIVED.
    await quarantine(deps, object, error.code);
    // The copy holds the patient's id in its header: erasure finds it from the patient's dumps.
    const owner = mismatch
      ? decoded?.header
      : error instanceof DumpRejectedError && bytes
        ? rejectedDumpOwner(bytes, error.code)
        : undefined;
    if (owner) await recordPatientDump(ledgerDeps, dumpId, owner);
    const firstTime = await rejectDump(ledgerDeps, dumpId, error.code, error.message);
    return { kind: 'rejected', dumpId, code: error.code, firstTime };
  }

  const plan = await planFanOut(ledgerDeps, claim.ledger, decoded, {
    ...(deps.stagingPrefix !== undefined && { stagingPrefix: deps.stagingPrefix }),
  });
  const { started } = plan;
  // Staged before any message names them; a crash in between leaves objects the lifecycle expires.
  await Promise.all(
    plan.staged.map((staged) =>
      deps.s3.send(
        new PutObjectCommand({
          Bucket: staged.bucket,
          Key: staged.key,
          Body: staged.body,
          ContentType: 'application/x-ndjson',
        }),
      ),
    ),
  );
  // SQS batch entry ids allow only [A-Za-z0-9_-]; day tokens of years past 9999 start with '~'
  // (which never appears otherwise, so '_' keeps the ids unique).
  const messages = plan.messages.map((message) => ({
    id: message.chunkId.replace(/[^A-Za-z0-9_-]/g, '_'),
    body: message.body,
  }));
  await sendAll(deps.sqs, deps.fanoutQueueUrl, messages);

  return {
    kind: 'fanned-out',
    dumpId,
    redrive: claim.kind === 'redrive',
    records: plan.prepared.records,
    settledDays: plan.settledDays,
    chunksSent: messages.length,
    ...(started.completion ? { completion: started.completion } : {}),
    capacity: meter.snapshot(),
  };
}

/** Keeps the original where it is (the spec says the file is kept) and files a tagged copy under the rejected prefix. */
async function quarantine(deps: ParseDumpDeps, object: UploadedObject, code: string): Promise<void> {
  const source = `${object.bucket}/${encodeURIComponent(object.key).replace(/%2F/g, '/')}`;
  await deps.s3.send(
    new CopyObjectCommand({
      Bucket: object.bucket,
      Key: `${deps.rejectedPrefix}${object.key}`,
      CopySource: object.versionId ? `${source}?versionId=${encodeURIComponent(object.versionId)}` : source,
      TaggingDirective: 'REPLACE',
      Tagging: `dumpflow-rejected=${code}`,
    }),
  );
}
