import {
  GetItemCommand,
  paginateScan,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { ObjectTooLargeError, readObject } from '../lambdas/app/read-object';
import { decodePage, PageFormatError } from '../lambdas/core/page/codec';
import { StoredItemError } from '../lambdas/core/storage/errors';
import { readItem, toAttributes } from '../lambdas/core/storage/items';
import {
  daySk,
  dumpIdFromLedgerPk,
  LEDGER_SK,
  PAGE_SK_PREFIX,
  pageNumberFromSk,
  pagePk,
  summaryPk,
} from '../lambdas/core/storage/keys';
import { queryAll } from '../lambdas/core/storage/query';
import { daySummaryFromItem } from '../lambdas/core/storage/summary';
import type { LedgerObject } from './reconcile';
import type { StoredDay, StoredPage } from './types';

/**
 * The read side of `dumpflow verify`: the bucket's dumps and what the table holds for them. Keys
 * come from lambdas/core/storage/keys.ts, the same module the pipeline writes them with, and pages
 * decode with lambdas/core/page/codec.ts. Only reads (the SDK's paginators for lists and scans): ListObjectsV2, GetObject, HeadObject,
 * GetItem, Query, and Scan for the ledger scan.
 */

export interface ListedObject {
  readonly key: string;
  /** Without the quotes S3 puts around it (the notification's form, which the ledger keys on). */
  readonly eTag: string;
  readonly size: number;
}

/** Every object under `prefix`, page by page, skipping keys under `excludePrefix` (the rejected copies). */
export async function* listDumps(
  s3: S3Client,
  bucket: string,
  prefix: string,
  excludePrefix: string,
): AsyncGenerator<ListedObject> {
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined || object.Key.endsWith('/')) continue;
      if (excludePrefix !== '' && object.Key.startsWith(excludePrefix)) continue;
      yield { key: object.Key, eTag: (object.ETag ?? '').replaceAll('"', ''), size: object.Size ?? 0 };
    }
  }
}

export interface ReadDump {
  readonly bytes: Uint8Array;
  /** The version the ledger keys on: the versionId in a versioned bucket, else the ETag. */
  readonly version: string;
}

/** Reads the current version of a dump the way the parser does (ObjectTooLargeError past maxBytes). */
export async function readDump(
  s3: S3Client,
  bucket: string,
  object: ListedObject,
  maxBytes: number,
): Promise<ReadDump> {
  // The listing's size refuses an oversized dump before a byte is transferred.
  if (object.size > maxBytes) throw new ObjectTooLargeError(object.size, maxBytes);
  const read = await readObject(s3, { bucket, key: object.key }, maxBytes);
  return { bytes: read.bytes, version: read.versionId ?? read.eTag ?? object.eTag };
}

/** True when the object (or that version of it) exists. */
export async function objectExists(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId?: string,
): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return true;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    // 400: a version id the bucket never issued (the ledger's "version" was an ETag).
    if (status === 404 || status === 400) return false;
    throw error;
  }
}

export interface TableRef {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
}

function storedPage(salt: number, item: Record<string, AttributeValue>): StoredPage {
  const stored = readItem(item, 'an event page');
  const sk = stored.string('sk');
  const generation = sk.slice(PAGE_SK_PREFIX.length, sk.lastIndexOf('#'));
  const page = pageNumberFromSk(sk);
  try {
    return { salt, generation, page, events: decodePage(stored.optionalBinary('d') ?? new Uint8Array()) };
  } catch (error) {
    // A page whose bytes are not a page (or are not bytes) is what verify reports, not a crash.
    if (!(error instanceof PageFormatError || error instanceof StoredItemError)) throw error;
    return { salt, generation, page, events: undefined, error: error.message };
  }
}

/**
 * One device-day as stored, read raw so that verify sees what readers would not: the summary and
 * every page item of every generation in the first `salts` partitions (the summary's, or
 * `saltBuckets` for a day without one), all read strongly consistent.
 */
export async function readStoredDay(
  table: TableRef,
  patientId: string,
  deviceId: string,
  dayNumber: number,
  saltBuckets: number,
): Promise<StoredDay> {
  const { dynamodb, tableName } = table;
  const summaryItem = await dynamodb.send(
    new GetItemCommand({
      TableName: tableName,
      Key: toAttributes({ pk: summaryPk(patientId, deviceId), sk: daySk(dayNumber) }),
      ConsistentRead: true,
    }),
  );
  const summary = summaryItem.Item ? daySummaryFromItem(summaryItem.Item) : undefined;
  const salts = Math.max(summary?.salts ?? 0, saltBuckets);
  const partitions = await Promise.all(
    Array.from({ length: salts }, (_, salt) =>
      queryAll(dynamodb, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :page)',
        ExpressionAttributeValues: toAttributes({
          ':pk': pagePk(dayNumber, patientId, deviceId, salt),
          ':page': PAGE_SK_PREFIX,
        }),
        ConsistentRead: true,
      }).then((items) => items.map((item) => storedPage(salt, item))),
    ),
  );
  return { patientId, deviceId, dayNumber, summary, pages: partitions.flat() };
}

/**
 * Every ledger item of dumps under `prefix` in `bucket`. The ledger has one partition per dump and
 * no index, so this is a Scan of the whole table (it pays for every item, events included):
 * `verify --scan-ledger` only. Matched on the ledger's own bucket and key attributes.
 */
export async function scanLedger(
  table: TableRef,
  bucket: string,
  prefix: string,
  onPage?: (scanned: number) => void,
): Promise<{ entries: LedgerObject[]; scanned: number }> {
  const entries: LedgerObject[] = [];
  let scanned = 0;
  const pages = paginateScan(
    { client: table.dynamodb },
    {
      TableName: table.tableName,
      FilterExpression: 'sk = :ledger AND #bucket = :bucket AND begins_with(#key, :prefix)',
      ExpressionAttributeValues: toAttributes({ ':ledger': LEDGER_SK, ':bucket': bucket, ':prefix': prefix }),
      ProjectionExpression: 'pk, #key, #version, #status, uploadedAt',
      ExpressionAttributeNames: {
        '#key': 'key',
        '#version': 'version',
        '#status': 'status',
        '#bucket': 'bucket',
      },
    },
  );
  for await (const page of pages) {
    scanned += page.ScannedCount ?? 0;
    onPage?.(scanned);
    for (const item of page.Items ?? []) {
      const ledger = readItem(item, 'a ledger item');
      entries.push({
        dumpId: dumpIdFromLedgerPk(ledger.string('pk')) ?? '',
        key: ledger.optionalString('key') ?? '',
        version: ledger.optionalString('version') ?? '',
        status: ledger.optionalString('status') ?? '',
        uploadedAt: ledger.optionalNumber('uploadedAt') ?? 0,
      });
    }
  }
  return { entries, scanned };
}
