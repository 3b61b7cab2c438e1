import { PIPELINE_SETTINGS } from '../lambdas/shared/pipeline-settings';
import {
  BatchWriteItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteObjectsCommand,
  paginateListObjectsV2,
  type ObjectIdentifier,
  type S3Client,
} from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { DumpflowError } from '../lambdas/core/errors';
import { parseLedger } from '../lambdas/core/ledger';
import { readItem, toAttributes } from '../lambdas/core/storage/items';
import { daySummaryFromItem } from '../lambdas/core/storage/summary';
import { paginateObjectVersions } from '../lambdas/core/storage/object-versions';
import { queryAll, type StoredItem } from '../lambdas/core/storage/query';
import {
  claimPk,
  claimSk,
  DAY_LEASE_SK,
  dayNumberFromDaySk,
  dayPk,
  deviceIdFromSk,
  dumpIdFromPatientSk,
  KPI_SK,
  LEDGER_SK,
  ledgerPk,
  pagePk,
  patientDevicesPk,
  summaryPk,
} from '../lambdas/core/storage/keys';
import { DEFAULT_STAGING_PREFIX } from '../lambdas/core/storage/plan-fan-out';

/**
 * Erasure of one patient (optionally one of their devices): everything the pipeline keeps of them,
 * found from the patient's own `I#` partition (their devices and their dumps), so nothing is
 * scanned. Deletion runs leaf first and removes the `I#` items that lead to the rest last, so a run
 * cut short is finished by running it again, and a run over nothing left deletes nothing.
 */

export interface ErasePatientOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** The dump bucket; without it S3 is left alone (a local state keeps no objects). */
  readonly s3?: S3Client;
  readonly bucket?: string;
  /**
   * Whether the bucket keeps versions (the stack's does): every version and delete marker is then
   * removed. The local runtime's S3 emulator keeps none. @default true
   */
  readonly versioned?: boolean;
  readonly patientId: string;
  /** Only this device of the patient. @default every device */
  readonly deviceId?: string;
  /** Find and count, delete nothing. */
  readonly dryRun: boolean;
  /** Event partitions per device-day to look in, beyond what each summary records. @default 10 */
  readonly saltBuckets?: number;
  /** @default 'rejected/' */
  readonly rejectedPrefix?: string;
  /** @default DEFAULT_STAGING_PREFIX */
  readonly stagingPrefix?: string;
}

export const ERASE_KINDS = [
  'eventPages',
  'daySummaries',
  'kpis',
  'dayLeases',
  'ledgerItems',
  'claims',
  'patientDumps',
  'patientDevices',
  'objectVersions',
] as const;
export type EraseKind = (typeof ERASE_KINDS)[number];
export type EraseCounts = Record<EraseKind, number>;

export interface EraseReport {
  readonly dryRun: boolean;
  readonly devices: number;
  readonly dumps: number;
  /** What was found (and, without dryRun, deleted) per kind. */
  readonly found: EraseCounts;
  readonly deleted: EraseCounts;
  /** Ledgers whose object lives in another bucket than the one given (left alone). */
  readonly otherBucketDumps: number;
  /** True when no bucket was given, so no object was looked for. */
  readonly s3Skipped: boolean;
}

/** A patient or device id erasure cannot act on. */
export class EraseUsageError extends DumpflowError {
  constructor(message: string) {
    super('E_USAGE', message);
  }
}

type Key = { pk: AttributeValue; sk: AttributeValue };

const zero = (): EraseCounts => Object.fromEntries(ERASE_KINDS.map((kind) => [kind, 0])) as EraseCounts;
const keyOf = (item: StoredItem): Key => ({ pk: item['pk']!, sk: item['sk']! });
const skOf = (item: StoredItem): string => readItem(item, 'a stored item').string('sk');
/** The key of an item erasure looks up by key (a claim, a day lease). */
const keyFor = (pk: string, sk: string): Key => keyOf(toAttributes({ pk, sk }));

export async function erasePatient(options: ErasePatientOptions): Promise<EraseReport> {
  const { dynamodb, tableName, patientId, deviceId, dryRun } = options;
  if (patientId === '') throw new EraseUsageError('the patient id is empty; give --patient P');
  const found = zero();
  const deleted = zero();
  const saltBuckets = options.saltBuckets ?? 10;
  const rejectedPrefix = options.rejectedPrefix ?? PIPELINE_SETTINGS.rejectedPrefix;
  const stagingPrefix = options.stagingPrefix ?? DEFAULT_STAGING_PREFIX;
  const s3 = options.s3 !== undefined && options.bucket !== undefined ? options.s3 : undefined;

  const query = (pk: string) =>
    queryAll(dynamodb, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: toAttributes({ ':pk': pk }),
      ConsistentRead: true,
    });
  const remove = async (kind: EraseKind, keys: readonly Key[]) => {
    found[kind] += keys.length;
    if (dryRun || keys.length === 0) return;
    await batchDelete(dynamodb, tableName, keys);
    deleted[kind] += keys.length;
  };

  const patientItems = await query(patientDevicesPk(patientId));
  const mine = (item: StoredItem) =>
    deviceId === undefined || readItem(item, 'a patient item').optionalString('deviceId') === deviceId;
  const deviceItems = patientItems.filter((item) => deviceIdFromSk(skOf(item)) !== undefined && mine(item));
  const dumpItems = patientItems.filter(
    (item) => dumpIdFromPatientSk(skOf(item)) !== undefined && mine(item),
  );

  // Dumps: their objects first (the ledger names them), then the ledger partition and the claim.
  let otherBucketDumps = 0;
  for (const item of dumpItems) {
    const dumpId = dumpIdFromPatientSk(skOf(item))!;
    const ledgerItems = await query(ledgerPk(dumpId));
    const ledgerItem = ledgerItems.find((i) => skOf(i) === LEDGER_SK);
    const ledger = ledgerItem === undefined ? undefined : parseLedger(ledgerItem);
    if (ledger !== undefined && s3 !== undefined) {
      if (ledger.bucket !== options.bucket) {
        otherBucketDumps += 1;
      } else {
        const prefixes: [string, boolean][] = [
          [ledger.key, true],
          [`${rejectedPrefix}${ledger.key}`, true],
          [`${stagingPrefix}${dumpId}/`, false],
        ];
        for (const [prefix, exact] of prefixes) {
          const objects = await listObjects(s3, ledger.bucket, prefix, options.versioned ?? true);
          const matching = exact ? objects.filter((o) => o.Key === prefix) : objects;
          found.objectVersions += matching.length;
          if (!dryRun && matching.length > 0) {
            await deleteObjects(s3, ledger.bucket, matching);
            deleted.objectVersions += matching.length;
          }
        }
      }
    }
    if (ledger !== undefined) {
      const claim = keyFor(claimPk(ledger.bucket, ledger.key), claimSk(ledger.version));
      await remove('claims', (await exists(dynamodb, tableName, claim)) ? [claim] : []);
    }
    await remove('ledgerItems', ledgerItems.map(keyOf));
  }

  // Devices: pages of every summarized day, the day leases, the summaries, then the KPIs.
  for (const item of deviceItems) {
    const device = deviceIdFromSk(skOf(item))!;
    const summaries = await query(summaryPk(patientId, device));
    for (const summaryItem of summaries) {
      const dayNumber = dayNumberFromDaySk(skOf(summaryItem));
      if (dayNumber === undefined) continue;
      const salts = Math.max(saltBuckets, daySummaryFromItem(summaryItem).salts);
      for (let salt = 0; salt < salts; salt++) {
        await remove('eventPages', (await query(pagePk(dayNumber, patientId, device, salt))).map(keyOf));
      }
      const lease = keyFor(dayPk(dayNumber, patientId, device), DAY_LEASE_SK);
      await remove('dayLeases', (await exists(dynamodb, tableName, lease)) ? [lease] : []);
    }
    await remove('daySummaries', summaries.filter((s) => skOf(s) !== KPI_SK).map(keyOf));
    await remove('kpis', summaries.filter((s) => skOf(s) === KPI_SK).map(keyOf));
  }

  // Last: the items that lead to everything above.
  await remove('patientDumps', dumpItems.map(keyOf));
  await remove('patientDevices', deviceItems.map(keyOf));

  return {
    dryRun,
    devices: deviceItems.length,
    dumps: dumpItems.length,
    found,
    deleted,
    otherBucketDumps,
    s3Skipped: s3 === undefined,
  };
}

async function exists(dynamodb: DynamoDBClient, tableName: string, key: Key): Promise<boolean> {
  const items = await queryAll(dynamodb, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk = :sk',
    ExpressionAttributeValues: { ':pk': key.pk, ':sk': key.sk },
    ConsistentRead: true,
  });
  return items.length > 0;
}

/** BatchWriteItem in 25s; what DynamoDB leaves unprocessed (throttling) is sent again after a pause. */
async function batchDelete(dynamodb: DynamoDBClient, tableName: string, keys: readonly Key[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 25) {
    let requests: WriteRequest[] = keys.slice(i, i + 25).map((key) => ({ DeleteRequest: { Key: key } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** attempt));
      const response = await dynamodb.send(
        new BatchWriteItemCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = response.UnprocessedItems?.[tableName] ?? [];
    }
  }
}

/** Every version and delete marker under `prefix` (or, unversioned, every object). */
async function listObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  versioned: boolean,
): Promise<ObjectIdentifier[]> {
  const objects: ObjectIdentifier[] = [];
  if (versioned) {
    for await (const page of paginateObjectVersions(s3, { Bucket: bucket, Prefix: prefix })) {
      for (const entry of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
        if (entry.Key !== undefined) {
          objects.push({ Key: entry.Key, ...(entry.VersionId ? { VersionId: entry.VersionId } : {}) });
        }
      }
    }
  } else {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
      for (const entry of page.Contents ?? []) if (entry.Key !== undefined) objects.push({ Key: entry.Key });
    }
  }
  return objects;
}

class EraseObjectsError extends DumpflowError {
  constructor(bucket: string, count: number, first: string) {
    super(
      'E_ERASE_OBJECTS',
      `S3 refused to delete ${count} object version(s) in bucket ${bucket} (first: ${first}); check s3:DeleteObject and s3:DeleteObjectVersion on the bucket, then run erase again (it resumes)`,
    );
  }
}

async function deleteObjects(
  s3: S3Client,
  bucket: string,
  objects: readonly ObjectIdentifier[],
): Promise<void> {
  for (let i = 0; i < objects.length; i += 1000) {
    const response = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: objects.slice(i, i + 1000), Quiet: true },
      }),
    );
    const errors = response.Errors ?? [];
    if (errors.length > 0) {
      throw new EraseObjectsError(
        bucket,
        errors.length,
        `${errors[0]!.Code ?? '?'} ${errors[0]!.Message ?? ''}`,
      );
    }
  }
}
