import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { MAX_DUMP_BYTES } from '../lambdas/app/parse-dump';
import { ObjectTooLargeError } from '../lambdas/app/read-object';
import { decodeDump, DumpRejectedError, type DecodedDump } from '../lambdas/core/dump';
import { readLedgerOf, stuckDumps } from '../lambdas/core/ledger';
import {
  checkUploadKey,
  DEFAULT_UPLOAD_KEY_LAYOUT,
  DeviceMismatchError,
  type UploadKeyLayout,
} from '../lambdas/core/upload-key';
import {
  daysToRead,
  indexStoredDay,
  reconcileDay,
  reconcileLedgerObjects,
  reconcileRejectedDump,
  reconcileStuckDumps,
  reconcileValidDump,
} from './reconcile';
import { listDumps, objectExists, readDump, readStoredDay, scanLedger, type ListedObject } from './sources';
import type { Difference, StoredContent, VerifyCounts, VerifyReport } from './types';

export interface VerifyProgress {
  readonly stage: 'listing' | 'dumps' | 'ledger';
  readonly done: number;
  readonly total: number;
  readonly differences: number;
}

export interface VerifyStoreOptions {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly bucket: string;
  readonly tableName: string;
  /** Dumps are the objects under this prefix. @default 'incoming/' */
  readonly prefix?: string;
  /** Where the parser files rejected copies; objects under it are not dumps. @default 'rejected/' */
  readonly rejectedPrefix?: string;
  /** Page partitions read per device-day at least (the summary's own count when larger): the largest SALT_BUCKETS ever deployed. @default 10 */
  readonly saltBuckets?: number;
  /** Also Scan the table for ledger items whose object is gone (check e; reads the whole table). @default false */
  readonly scanLedger?: boolean;
  /** Stored events kept in memory across dumps (device-days shared by overlapping uploads are read once). @default 500000 */
  readonly cacheEvents?: number;
  /** Wall clock for the elapsed time. @default Date.now */
  readonly clock?: () => number;
  /**
   * When retention is judged: device-days whose time-to-live (day + 400 days) has passed by then
   * may be partly or wholly deleted by DynamoDB and are not compared. `dumpflow local` passes its
   * processing time (DynamoDB Local deletes nothing). @default the wall clock at the start
   */
  readonly retainedAt?: number;
  /**
   * Days the bucket keeps an upload (the stack's `expire-processed-uploads` lifecycle rule): with
   * `scanLedger`, a ledger item whose object is gone after that long is not a difference.
   * @default 7
   */
  readonly objectRetentionDays?: number;
  readonly onProgress?: (progress: VerifyProgress) => void;
  /**
   * The deployment's dumpflow:uploadKeyLayout: with `device-prefix` a valid dump under another
   * device's prefix must be REJECTED E_DEVICE_MISMATCH, as the parser decides. @default device-prefix
   */
  readonly uploadKeyLayout?: UploadKeyLayout;
}

interface CachedDay {
  readonly index: Map<string, StoredContent>;
  readonly size: number;
}

/** Device-days by `patient\0device\0day`, least recently used first, bounded by stored events. */
class DayCache {
  private readonly days = new Map<string, CachedDay>();
  private events = 0;

  constructor(private readonly limit: number) {}

  get(key: string): CachedDay | undefined {
    const day = this.days.get(key);
    if (day) {
      this.days.delete(key);
      this.days.set(key, day);
    }
    return day;
  }

  set(key: string, day: CachedDay): void {
    this.days.set(key, day);
    this.events += day.size;
    for (const [oldest, old] of this.days) {
      if (this.events <= this.limit || oldest === key) break;
      this.days.delete(oldest);
      this.events -= old.size;
    }
  }
}

/**
 * `dumpflow verify`: reconciles the bucket's dumps with the ledger and the stored events, one dump
 * at a time (its bytes and decoded columns are dropped before the next is read). Read-only.
 */
export async function verifyStore(options: VerifyStoreOptions): Promise<VerifyReport> {
  const { s3, dynamodb, bucket, tableName } = options;
  const prefix = options.prefix ?? 'incoming/';
  const rejectedPrefix = options.rejectedPrefix ?? 'rejected/';
  const uploadKeys = { layout: options.uploadKeyLayout ?? DEFAULT_UPLOAD_KEY_LAYOUT, incomingPrefix: prefix };
  const saltBuckets = options.saltBuckets ?? 10;
  const clock = options.clock ?? Date.now;
  const started = clock();
  const retainedAt = options.retainedAt ?? started;
  const table = { dynamodb, tableName };
  const ledgerDeps = { dynamodb, tableName };
  const differences: Difference[] = [];
  const counts: VerifyCounts = {
    dumps: 0,
    validDumps: 0,
    rejectedDumps: 0,
    recordsChecked: 0,
    deviceDays: 0,
    storedEvents: 0,
    ledgerItemsScanned: 0,
  };
  const progress = (stage: VerifyProgress['stage'], done: number, total: number) =>
    options.onProgress?.({ stage, done, total, differences: differences.length });

  const listed: ListedObject[] = [];
  progress('listing', 0, 0);
  for await (const object of listDumps(s3, bucket, prefix, rejectedPrefix)) {
    listed.push(object);
    progress('listing', listed.length, 0);
  }
  counts.dumps = listed.length;

  const cache = new DayCache(options.cacheEvents ?? 500_000);
  const checkedDays = new Set<string>();
  /** key -> the version verified (the ledger's version of the current object). */
  const versions = new Map<string, string>();

  const storedDay = async (patientId: string, deviceId: string, dayNumber: number): Promise<CachedDay> => {
    const key = `${patientId}\0${deviceId}\0${dayNumber}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const day = await readStoredDay(table, patientId, deviceId, dayNumber, saltBuckets);
    const index = indexStoredDay(day);
    // An evicted day read again is not checked (or counted) twice.
    if (!checkedDays.has(key)) {
      checkedDays.add(key);
      counts.deviceDays++;
      counts.storedEvents += index.size;
      differences.push(...reconcileDay(day));
    }
    const entry = { index, size: index.size };
    cache.set(key, entry);
    return entry;
  };

  for (const [n, object] of listed.entries()) {
    progress('dumps', n, listed.length);
    let version = object.eTag;
    let decoded: DecodedDump | undefined;
    let rejectedCode: string | undefined;
    try {
      const read = await readDump(s3, bucket, object, MAX_DUMP_BYTES);
      version = read.version;
      decoded = decodeDump(read.bytes);
      checkUploadKey(uploadKeys, object.key, decoded.header.deviceId);
    } catch (error) {
      if (!(
        error instanceof DumpRejectedError ||
        error instanceof ObjectTooLargeError ||
        error instanceof DeviceMismatchError
      )) {
        throw error;
      }
      rejectedCode = error.code;
      decoded = undefined;
    }
    versions.set(object.key, version);
    const ledger = await readLedgerOf(ledgerDeps, { bucket, key: object.key, version });

    if (decoded === undefined) {
      counts.rejectedDumps++;
      const copyKey = `${rejectedPrefix}${object.key}`;
      differences.push(
        ...reconcileRejectedDump({
          key: object.key,
          code: rejectedCode!,
          ledger,
          copyExists: await objectExists(s3, bucket, copyKey),
          copyKey,
        }),
      );
      continue;
    }

    counts.validDumps++;
    const { patientId, deviceId } = decoded.header;
    const days = new Map<number, Map<string, StoredContent>>();
    if (ledger !== undefined) {
      const wanted = daysToRead(decoded, ledger, retainedAt);
      // A few device-days at once: each is a GetItem and a Query per page partition.
      for (let i = 0; i < wanted.length; i += 4) {
        const batch = wanted.slice(i, i + 4);
        const read = await Promise.all(batch.map((day) => storedDay(patientId, deviceId, day)));
        batch.forEach((day, k) => days.set(day, read[k]!.index));
      }
    }
    const result = reconcileValidDump({
      key: object.key,
      decoded,
      ledger,
      storedDay: (day) => days.get(day) ?? new Map(),
      retainedAt,
    });
    counts.recordsChecked += result.recordsChecked;
    differences.push(...result.differences);
  }
  progress('dumps', listed.length, listed.length);

  // Past their deadline by the watch index (a Query on a sparse index of unfinished dumps only).
  differences.push(...reconcileStuckDumps(await stuckDumps(ledgerDeps, started), bucket, prefix, started));

  if (options.scanLedger === true) {
    progress('ledger', 0, 0);
    const scan = await scanLedger(table, bucket, prefix, (done) => progress('ledger', done, 0));
    counts.ledgerItemsScanned = scan.scanned;
    // With prefix '' the scan also meets keys under the rejected prefix; those are copies, not dumps.
    const entries = scan.entries.filter((e) => rejectedPrefix === '' || !e.key.startsWith(rejectedPrefix));
    // Uploads older than the lifecycle rule's retention are expected to be gone.
    const expiredBefore = retainedAt - (options.objectRetentionDays ?? 7) * 86_400_000;
    const present = new Set<string>();
    for (const entry of entries) {
      if (entry.uploadedAt < expiredBefore) continue;
      if (versions.get(entry.key) === entry.version) present.add(entry.dumpId);
      else if (await objectExists(s3, bucket, entry.key, entry.version)) {
        // Not the listed version (or the key has a delete marker): a noncurrent version still kept.
        present.add(entry.dumpId);
      }
    }
    differences.push(...reconcileLedgerObjects(entries, (entry) => present.has(entry.dumpId), expiredBefore));
  }

  return { bucket, tableName, prefix, counts, differences, elapsedMs: clock() - started };
}
