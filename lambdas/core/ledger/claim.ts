import { randomBytes } from 'node:crypto';
import { GetItemCommand, TransactWriteItemsCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { conditionalWrite } from '../storage/conditions';
import { StoredItemError } from '../storage/errors';
import { readItem, toAttributes } from '../storage/items';
import { claimPk, claimSk, type DumpRef } from '../storage/keys';
import { queryItems } from '../storage/query';
import { backoffDelay } from '../storage/retry';
import {
  CONFLICT_ATTEMPTS,
  context,
  FINAL_STATUSES,
  LedgerConflictError,
  ledgerKey,
  ledgerTtl,
  parseLedger,
  readLedger,
  type LedgerDeps,
  type LedgerEntry,
} from './entry';
import { DEFAULT_WATCH, WATCH_DUMP } from './watch';

export type ClaimResult =
  /** This caller owns a fresh dump. */
  | { readonly kind: 'claimed'; readonly ledger: LedgerEntry }
  /** Claimed before and unfinished (RECEIVED or PROCESSING): re-drive it. */
  | { readonly kind: 'redrive'; readonly ledger: LedgerEntry }
  /** COMPLETE, REJECTED or FAILED already: nothing to do. */
  | { readonly kind: 'finished'; readonly ledger: LedgerEntry };

/** A new opaque dump id: 96 random bits, hex. Nothing about the dump can be read from it. */
export function newDumpId(): string {
  return randomBytes(12).toString('hex');
}

function claimKey(ref: DumpRef): Record<string, AttributeValue> {
  return toAttributes({ pk: claimPk(ref.bucket, ref.key), sk: claimSk(ref.version) });
}

/** The dump id an object version was claimed under, if it was. */
export async function findDumpId(deps: LedgerDeps, ref: DumpRef): Promise<string | undefined> {
  const { meter } = context(deps);
  const response = await deps.dynamodb.send(
    new GetItemCommand({
      TableName: deps.tableName,
      Key: claimKey(ref),
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  meter.record('read', response.ConsumedCapacity);
  return response.Item && readItem(response.Item, 'a dump claim').optionalString('dumpId');
}

/** The ledger of an object version (undefined until it is claimed). */
export async function readLedgerOf(deps: LedgerDeps, ref: DumpRef): Promise<LedgerEntry | undefined> {
  const dumpId = await findDumpId(deps, ref);
  return dumpId === undefined ? undefined : readLedger(deps, dumpId);
}

/** Every version of an object key that was claimed, with its dump id (one Query). */
export async function claimedVersions(
  deps: LedgerDeps,
  bucket: string,
  key: string,
): Promise<{ readonly version: string; readonly dumpId: string }[]> {
  const versions: { version: string; dumpId: string }[] = [];
  const items = queryItems(
    deps.dynamodb,
    {
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: toAttributes({ ':pk': claimPk(bucket, key) }),
      ConsistentRead: true,
    },
    deps.meter,
  );
  for await (const item of items) {
    const claim = readItem(item, 'a dump claim');
    const dumpId = claim.optionalString('dumpId');
    const version = claim.optionalString('version');
    if (dumpId !== undefined && version !== undefined) versions.push({ version, dumpId });
  }
  return versions;
}

/**
 * Claims an object version: ONE transaction writes its claim (K#{bucket}/{key}, V#{version}),
 * naming a new random dump id, and the dump's ledger (RECEIVED, in the watch index until its
 * deadline), both only if absent. Exactly one caller gets 'claimed'; every later caller finds the
 * claim, reads the ledger it names and learns what to do. A transaction cancelled by a concurrent
 * one decided nothing and is tried again.
 */
export async function claimDump(
  deps: LedgerDeps,
  ref: DumpRef,
  options: {
    readonly uploadedAt: number;
    readonly now: number;
    /** @default DEFAULT_WATCH.deadlineMs */
    readonly deadlineMs?: number;
  },
): Promise<ClaimResult> {
  const { clock, meter, timing } = context(deps);
  for (let attempt = 1; ; attempt++) {
    const dumpId = newDumpId();
    const claimedAt = clock();
    const ttl = ledgerTtl(claimedAt);
    const item: Record<string, AttributeValue> = {
      ...ledgerKey(dumpId),
      ...toAttributes({
        status: 'RECEIVED',
        bucket: ref.bucket,
        key: ref.key,
        version: ref.version,
        versionKind: ref.versionKind ?? 'eTag',
        uploadedAt: options.uploadedAt,
        now: options.now,
        claimedAt,
        updatedAt: claimedAt,
        redrives: 0,
        watch: WATCH_DUMP,
        due: options.uploadedAt + (options.deadlineMs ?? DEFAULT_WATCH.deadlineMs),
        ttl,
      }),
    };
    const claim = await conditionalWrite(meter, () =>
      deps.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: deps.tableName,
                Item: { ...claimKey(ref), ...toAttributes({ dumpId, version: ref.version, ttl }) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: { TableName: deps.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
            },
          ],
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    if (claim.written) return { kind: 'claimed', ledger: parseLedger(item) };
    if (claim.reasons[0] === 'ConditionalCheckFailed') break;
    if (!claim.conflict) throw claim.error;
    if (attempt >= CONFLICT_ATTEMPTS) throw new LedgerConflictError('claim', attempt, claim.error);
    await timing.sleep(backoffDelay(attempt - 1, 25, 1000, timing.random));
  }
  const ledger = await readLedgerOf(deps, ref);
  if (!ledger) throw new StoredItemError('a dump claim names a ledger item that does not exist');
  return { kind: FINAL_STATUSES.has(ledger.status) ? 'finished' : 'redrive', ledger };
}
