import {
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ObjectTooLargeError, readObject } from '../lambdas/app/read-object';
import { decodeDigestPage } from '../lambdas/core/storage/digest';
import {
  daySk,
  DIGEST_PAGE_PREFIX,
  digestPk,
  escapeId,
  eventPk,
  LEDGER_SK,
  summaryPk,
  versionFromDigestPageSk,
} from '../lambdas/core/storage/keys';
import { daySummaryFromItem } from '../lambdas/core/storage/summary';
import type { LedgerObject } from './reconcile';
import type { StoredDay, StoredEvent } from './types';

/**
 * The read side of `dumpflow verify`: the bucket's dumps and what the table holds for them. Keys
 * come from lambdas/core/storage/keys.ts, the same module the pipeline writes them with. Only
 * reads: ListObjectsV2, GetObject, HeadObject, GetItem, Query, and Scan for the ledger scan.
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
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined || object.Key.endsWith('/')) continue;
      if (excludePrefix !== '' && object.Key.startsWith(excludePrefix)) continue;
      yield { key: object.Key, eTag: (object.ETag ?? '').replaceAll('"', ''), size: object.Size ?? 0 };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
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

async function queryAll(
  client: DynamoDBClient,
  input: ConstructorParameters<typeof QueryCommand>[0],
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

const EVENT_SK = /^(\d{8})-([0-9a-f]{8})-([0-9a-f]{4})$/;

function storedEvent(salt: number, item: Record<string, AttributeValue>): StoredEvent {
  const sk = item['sk']?.S ?? '';
  const match = EVENT_SK.exec(sk);
  const value = item['value'];
  return {
    salt,
    sk,
    msOfDay: match ? Number(match[1]) : -1,
    seq: match ? Number.parseInt(match[2]!, 16) : Number(item['seq']?.N ?? -1),
    type: match ? Number.parseInt(match[3]!, 16) : Number(item['type']?.N ?? -1),
    flags: Number(item['flags']?.N ?? NaN),
    // Number when DynamoDB's Number holds the double exactly, else its shortest text (event-item.ts).
    value: Number(value?.N ?? value?.S ?? NaN),
    duration: Number(item['duration']?.N ?? NaN),
    ts: item['ts']?.N ?? '',
  };
}

export interface TableRef {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
}

/**
 * One device-day as stored: the event items of all `saltBuckets` partitions, the day summary and
 * every digest page, all read strongly consistent.
 */
export async function readStoredDay(
  table: TableRef,
  patientId: string,
  deviceId: string,
  dayNumber: number,
  saltBuckets: number,
): Promise<StoredDay> {
  const { dynamodb, tableName } = table;
  const partitions = Array.from({ length: saltBuckets }, (_, salt) =>
    queryAll(dynamodb, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: eventPk(salt, dayNumber, patientId, deviceId) } },
      ConsistentRead: true,
    }).then((items) => items.map((item) => storedEvent(salt, item))),
  );
  const summary = dynamodb.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { pk: { S: summaryPk(patientId, deviceId) }, sk: { S: daySk(dayNumber) } },
      ConsistentRead: true,
    }),
  );
  const digest = queryAll(dynamodb, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :page)',
    ExpressionAttributeValues: {
      ':pk': { S: digestPk(dayNumber, patientId, deviceId) },
      ':page': { S: DIGEST_PAGE_PREFIX },
    },
    ConsistentRead: true,
  });
  const [events, summaryItem, pages] = await Promise.all([Promise.all(partitions), summary, digest]);
  return {
    patientId,
    deviceId,
    dayNumber,
    events: events.flat(),
    summary: summaryItem.Item ? daySummaryFromItem(summaryItem.Item) : undefined,
    digestPages: pages.map((item) => ({
      version: versionFromDigestPageSk(item['sk']?.S ?? ''),
      entries: decodeDigestPage(item['d']?.B ?? new Uint8Array()),
    })),
  };
}

/**
 * Every ledger item of dumps under `prefix` in `bucket`. The ledger has one partition per dump and
 * no index, so this is a Scan of the whole table (it pays for every item, events included):
 * `verify --scan-ledger` only. Ledger keys digested to sha256 (object keys over ~1 KB) are missed.
 */
export async function scanLedger(
  table: TableRef,
  bucket: string,
  prefix: string,
  onPage?: (scanned: number) => void,
): Promise<{ entries: LedgerObject[]; scanned: number }> {
  const entries: LedgerObject[] = [];
  let scanned = 0;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await table.dynamodb.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: 'sk = :ledger AND begins_with(pk, :prefix)',
        ExpressionAttributeValues: {
          ':ledger': { S: LEDGER_SK },
          ':prefix': { S: `L#${bucket}/${escapeId(prefix)}` },
        },
        ProjectionExpression: 'pk, #key, #version, #status, uploadedAt',
        ExpressionAttributeNames: { '#key': 'key', '#version': 'version', '#status': 'status' },
        ExclusiveStartKey: startKey,
      }),
    );
    scanned += page.ScannedCount ?? 0;
    onPage?.(scanned);
    for (const item of page.Items ?? []) {
      entries.push({
        dumpId: item['pk']?.S ?? '',
        key: item['key']?.S ?? '',
        version: item['version']?.S ?? '',
        status: item['status']?.S ?? '',
        uploadedAt: Number(item['uploadedAt']?.N ?? 0),
      });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { entries, scanned };
}
