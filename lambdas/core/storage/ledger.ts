import {
  ConditionalCheckFailedException,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { RECORD_ERROR_CODES, type RejectedRecordCounts } from '../dump/types';
import { CapacityMeter } from './capacity';
import { StoredItemError } from './errors';
import {
  CHUNK_SK_PREFIX,
  LEDGER_SK,
  ledgerPk,
  patientDeviceSk,
  patientDevicesPk,
  PLAN_SK,
  RETENTION_DAYS,
  type DumpRef,
} from './keys';

/**
 * The dump ledger: one item per uploaded object version (pk L#{bucket}/{key}#{version}, sk LEDGER)
 * makes processing idempotent, records the counts, and detects completion.
 *
 *   RECEIVED   claimed by a parser (conditional put), not yet fanned out
 *   PROCESSING fanned out: chunksExpected chunk messages are in flight; doneChunks fills up
 *   COMPLETE   every chunk committed; totals and completedAt set (exactly one completer wins)
 *   REJECTED   the whole dump was rejected (code)
 *
 * Redelivery policy: a notification for a COMPLETE or REJECTED dump is a no-op. One for a
 * RECEIVED or PROCESSING dump is re-driven at once (a parser only fails its message when it
 * crashed or threw, so a redelivery means the work may be unfinished): RECEIVED restarts the
 * parse with the processing time stored at claim; PROCESSING re-sends the planned chunks that are
 * not done yet. Both are safe to run twice or concurrently: chunk commits are idempotent and the
 * ledger's transitions are conditional, so duplicate work never double-counts.
 */

export type DumpStatus = 'RECEIVED' | 'PROCESSING' | 'COMPLETE' | 'REJECTED';

export interface LedgerDeps {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Wall clock (ms) for timestamps. */
  readonly clock?: () => number;
  readonly meter?: CapacityMeter;
}

export interface DumpCounts {
  /** Records in the file (header recordCount). */
  readonly records: number;
  readonly valid: number;
  readonly rejected: RejectedRecordCounts;
  readonly expired: number;
}

export interface LedgerEntry {
  readonly dumpId: string;
  readonly status: DumpStatus;
  readonly bucket: string;
  readonly key: string;
  readonly version: string;
  readonly uploadedAt: number;
  /** Processing time for the expiry rule, fixed at claim so a re-drive decides the same way. */
  readonly now: number;
  readonly claimedAt: number;
  readonly counts?: DumpCounts;
  /** Whole days settled by the parser's summary check. */
  readonly settledDuplicates: number;
  readonly settledConflicts: number;
  readonly chunksExpected?: number;
  readonly doneChunks: number;
  readonly code?: string;
  readonly totals?: DumpTotals;
  readonly completedAt?: number;
}

export interface DumpTotals {
  readonly stored: number;
  readonly duplicates: number;
  readonly conflicts: number;
}

export interface DumpCompletion {
  readonly dumpId: string;
  readonly counts: DumpCounts;
  readonly totals: DumpTotals;
  readonly uploadedAt: number;
  readonly completedAt: number;
  /** completedAt - uploadedAt: the pipeline's end-to-end latency for this dump. */
  readonly latencyMs: number;
}

export type ClaimResult =
  /** This caller owns a fresh dump. */
  | { readonly kind: 'claimed'; readonly ledger: LedgerEntry }
  /** Claimed before and unfinished (RECEIVED or PROCESSING): re-drive it (see policy above). */
  | { readonly kind: 'redrive'; readonly ledger: LedgerEntry }
  /** COMPLETE or REJECTED already: nothing to do. */
  | { readonly kind: 'finished'; readonly ledger: LedgerEntry };

const n = (value: number): AttributeValue => ({ N: String(value) });

function ledgerKey(dumpId: string): Record<string, AttributeValue> {
  return { pk: { S: dumpId }, sk: { S: LEDGER_SK } };
}

/** `SET #a = :x, ...` with every attribute name aliased (many plain words are reserved in DynamoDB). */
function setExpression(assignments: Record<string, string>): {
  expression: string;
  names: Record<string, string>;
} {
  const names: Record<string, string> = {};
  const parts = Object.entries(assignments).map(([name, value]) => {
    names[`#${name}`] = name;
    return `#${name} = ${value}`;
  });
  return { expression: `SET ${parts.join(', ')}`, names };
}

function ledgerTtl(now: number): number {
  return (Math.floor(now / 86_400_000) + RETENTION_DAYS + 1) * 86_400;
}

function context(deps: LedgerDeps) {
  return { clock: deps.clock ?? Date.now, meter: deps.meter ?? new CapacityMeter() };
}

function numberAttr(item: Record<string, AttributeValue>, name: string): number | undefined {
  const raw = item[name]?.N;
  return raw === undefined ? undefined : Number(raw);
}

function noRejections(): RejectedRecordCounts {
  return Object.fromEntries(RECORD_ERROR_CODES.map((code) => [code, 0])) as RejectedRecordCounts;
}

function parseLedger(item: Record<string, AttributeValue>): LedgerEntry {
  const status = item['status']?.S as DumpStatus | undefined;
  const dumpId = item['pk']?.S;
  if (!status || !dumpId) throw new StoredItemError(`ledger item ${dumpId ?? '?'} has no status`);
  const records = numberAttr(item, 'records');
  const rejectedMap = item['rejected']?.M ?? {};
  const rejected = Object.fromEntries(
    RECORD_ERROR_CODES.map((code) => [code, Number(rejectedMap[code]?.N ?? 0)]),
  ) as RejectedRecordCounts;
  const stored = numberAttr(item, 'stored');
  return {
    dumpId,
    status,
    bucket: item['bucket']?.S ?? '',
    key: item['key']?.S ?? '',
    version: item['version']?.S ?? '',
    uploadedAt: numberAttr(item, 'uploadedAt') ?? 0,
    now: numberAttr(item, 'now') ?? 0,
    claimedAt: numberAttr(item, 'claimedAt') ?? 0,
    ...(records === undefined
      ? {}
      : {
          counts: {
            records,
            valid: numberAttr(item, 'valid') ?? 0,
            rejected,
            expired: numberAttr(item, 'expired') ?? 0,
          },
        }),
    settledDuplicates: numberAttr(item, 'settledDuplicates') ?? 0,
    settledConflicts: numberAttr(item, 'settledConflicts') ?? 0,
    ...(item['chunksExpected'] ? { chunksExpected: numberAttr(item, 'chunksExpected') } : {}),
    doneChunks: item['doneChunks']?.SS?.length ?? 0,
    ...(item['code']?.S ? { code: item['code'].S } : {}),
    ...(stored === undefined
      ? {}
      : {
          totals: {
            stored,
            duplicates: numberAttr(item, 'duplicates') ?? 0,
            conflicts: numberAttr(item, 'conflicts') ?? 0,
          },
        }),
    ...(item['completedAt'] ? { completedAt: numberAttr(item, 'completedAt') } : {}),
  };
}

export async function readLedger(deps: LedgerDeps, dumpId: string): Promise<LedgerEntry | undefined> {
  const { meter } = context(deps);
  const response = await deps.client.send(
    new GetItemCommand({
      TableName: deps.tableName,
      Key: ledgerKey(dumpId),
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  meter.record('read', response.ConsumedCapacity);
  return response.Item ? parseLedger(response.Item) : undefined;
}

/**
 * Claims a dump with a conditional put (attribute_not_exists): exactly one caller gets
 * 'claimed'; every later caller learns the state and what to do (see the policy above).
 */
export async function claimDump(
  deps: LedgerDeps,
  ref: DumpRef,
  options: { readonly uploadedAt: number; readonly now: number },
): Promise<ClaimResult> {
  const { clock, meter } = context(deps);
  const dumpId = ledgerPk(ref);
  const claimedAt = clock();
  const item: Record<string, AttributeValue> = {
    ...ledgerKey(dumpId),
    status: { S: 'RECEIVED' },
    bucket: { S: ref.bucket },
    key: { S: ref.key },
    version: { S: ref.version },
    uploadedAt: n(options.uploadedAt),
    now: n(options.now),
    claimedAt: n(claimedAt),
    updatedAt: n(claimedAt),
    ttl: n(ledgerTtl(claimedAt)),
  };
  try {
    const response = await deps.client.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meter.record('write', response.ConsumedCapacity);
    return { kind: 'claimed', ledger: parseLedger(item) };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    meter.record('write', undefined);
  }
  const ledger = await readLedger(deps, dumpId);
  if (!ledger) throw new StoredItemError(`ledger item ${dumpId} vanished while being claimed`);
  const finished = ledger.status === 'COMPLETE' || ledger.status === 'REJECTED';
  return { kind: finished ? 'finished' : 'redrive', ledger };
}

/** Marks a claimed (RECEIVED) dump REJECTED with its code; false when it had already moved on. */
export async function rejectDump(
  deps: LedgerDeps,
  dumpId: string,
  code: string,
  message: string,
): Promise<boolean> {
  const { clock, meter } = context(deps);
  const now = clock();
  try {
    const response = await deps.client.send(
      new UpdateItemCommand({
        TableName: deps.tableName,
        Key: ledgerKey(dumpId),
        ...(() => {
          const { expression, names } = setExpression({
            status: ':rejected',
            code: ':code',
            message: ':message',
            completedAt: ':now',
            updatedAt: ':now',
          });
          return { UpdateExpression: expression, ExpressionAttributeNames: names };
        })(),
        ConditionExpression: '#status = :received',
        ExpressionAttributeValues: {
          ':rejected': { S: 'REJECTED' },
          ':received': { S: 'RECEIVED' },
          ':code': { S: code },
          ':message': { S: message },
          ':now': n(now),
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meter.record('write', response.ConsumedCapacity);
    return true;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    meter.record('write', undefined);
    return false;
  }
}

export interface StartProcessingInput {
  /** Whose dump it is (from its header): recorded on the ledger, and the device registered under the patient. */
  readonly patientId: string;
  readonly deviceId: string;
  readonly counts: DumpCounts;
  readonly settledDuplicates: number;
  readonly settledConflicts: number;
  /** Every chunk the dump fans out to; stored once (PLAN item) so a re-drive re-sends the same set. */
  readonly chunkIds: readonly string[];
}

export type StartProcessingResult =
  /** This caller moved the dump on: send the chunks (or, with no chunks, it is already COMPLETE). */
  | { readonly kind: 'started'; readonly completion?: DumpCompletion }
  /** Someone else already did: re-send `pendingChunkIds` (harmless if they are in flight). */
  | {
      readonly kind: 'already-started';
      readonly ledger: LedgerEntry;
      readonly pendingChunkIds: readonly string[];
    };

/**
 * RECEIVED -> PROCESSING with the counts and the chunk plan, atomically with the PLAN item.
 * With no chunks (everything settled, expired or rejected) the dump goes straight to COMPLETE.
 */
export async function startProcessing(
  deps: LedgerDeps,
  dumpId: string,
  input: StartProcessingInput,
): Promise<StartProcessingResult> {
  const { clock, meter } = context(deps);
  const now = clock();
  const { counts } = input;
  const complete = input.chunkIds.length === 0;
  const values: Record<string, AttributeValue> = {
    ':received': { S: 'RECEIVED' },
    ':status': { S: complete ? 'COMPLETE' : 'PROCESSING' },
    ':records': n(counts.records),
    ':valid': n(counts.valid),
    ':rejected': { M: Object.fromEntries(Object.entries(counts.rejected).map(([code, v]) => [code, n(v)])) },
    ':expired': n(counts.expired),
    ':sd': n(input.settledDuplicates),
    ':sc': n(input.settledConflicts),
    ':expected': n(input.chunkIds.length),
    ':now': n(now),
    ':patient': { S: input.patientId },
    ':device': { S: input.deviceId },
  };
  const assignments: Record<string, string> = {
    status: ':status',
    records: ':records',
    valid: ':valid',
    rejected: ':rejected',
    expired: ':expired',
    settledDuplicates: ':sd',
    settledConflicts: ':sc',
    chunksExpected: ':expected',
    patientId: ':patient',
    deviceId: ':device',
    processingAt: ':now',
    updatedAt: ':now',
  };
  if (complete) {
    Object.assign(assignments, { stored: ':zero', duplicates: ':sd', conflicts: ':sc', completedAt: ':now' });
    values[':zero'] = n(0);
  }
  const { expression: update, names } = setExpression(assignments);
  try {
    const response = await deps.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: deps.tableName,
              Key: ledgerKey(dumpId),
              UpdateExpression: update,
              ConditionExpression: '#status = :received',
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
          ...(complete
            ? []
            : [
                {
                  Put: {
                    TableName: deps.tableName,
                    Item: {
                      pk: { S: dumpId },
                      sk: { S: PLAN_SK },
                      chunkIds: { S: input.chunkIds.join(',') },
                      ttl: n(ledgerTtl(now)),
                    },
                  },
                },
                // Idempotent and unconditional: the patient's device list (kpis --patient, erasure).
                {
                  Put: {
                    TableName: deps.tableName,
                    Item: {
                      pk: { S: patientDevicesPk(input.patientId) },
                      sk: { S: patientDeviceSk(input.deviceId) },
                      patientId: { S: input.patientId },
                      deviceId: { S: input.deviceId },
                    },
                  },
                },
              ]),
        ],
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meter.record('write', response.ConsumedCapacity);
  } catch (error) {
    if ((error as { name?: string }).name !== 'TransactionCanceledException') throw error;
    meter.record('write', undefined);
    const ledger = await readLedger(deps, dumpId);
    if (!ledger) throw new StoredItemError(`ledger item ${dumpId} is missing; claim the dump first`);
    return { kind: 'already-started', ledger, pendingChunkIds: await pendingChunks(deps, dumpId) };
  }
  if (!complete) return { kind: 'started' };
  const ledger = await readLedger(deps, dumpId);
  return { kind: 'started', ...(ledger ? { completion: completionOf(ledger) } : {}) };
}

/** Planned chunks not yet marked done (for re-driving a PROCESSING dump). */
export async function pendingChunks(deps: LedgerDeps, dumpId: string): Promise<string[]> {
  const { meter } = context(deps);
  const [plan, ledgerItem] = await Promise.all([
    deps.client.send(
      new GetItemCommand({
        TableName: deps.tableName,
        Key: { pk: { S: dumpId }, sk: { S: PLAN_SK } },
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
    deps.client.send(
      new GetItemCommand({
        TableName: deps.tableName,
        Key: ledgerKey(dumpId),
        ConsistentRead: true,
        ProjectionExpression: 'doneChunks',
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  ]);
  meter.record('read', plan.ConsumedCapacity);
  meter.record('read', ledgerItem.ConsumedCapacity);
  const planned = plan.Item?.['chunkIds']?.S;
  if (!planned) return [];
  const done = new Set(ledgerItem.Item?.['doneChunks']?.SS ?? []);
  return planned.split(',').filter((id) => !done.has(id));
}

function completionOf(ledger: LedgerEntry): DumpCompletion | undefined {
  if (ledger.status !== 'COMPLETE' || !ledger.counts || !ledger.totals || ledger.completedAt === undefined) {
    return undefined;
  }
  return {
    dumpId: ledger.dumpId,
    counts: ledger.counts,
    totals: ledger.totals,
    uploadedAt: ledger.uploadedAt,
    completedAt: ledger.completedAt,
    latencyMs: ledger.completedAt - ledger.uploadedAt,
  };
}

/**
 * Adds a committed chunk to doneChunks (ADD on a String Set is idempotent, so no transaction on
 * this hot item). When the set reaches chunksExpected the dump is completed: the chunk outcome
 * items are totalled and the status set to COMPLETE conditionally on PROCESSING, so exactly one
 * caller returns the completion (and emits the latency metric).
 */
export async function markChunkDone(
  deps: LedgerDeps,
  dumpId: string,
  chunkId: string,
): Promise<DumpCompletion | undefined> {
  const { meter } = context(deps);
  const response = await deps.client.send(
    new UpdateItemCommand({
      TableName: deps.tableName,
      Key: ledgerKey(dumpId),
      UpdateExpression: 'ADD doneChunks :chunk',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':chunk': { SS: [chunkId] } },
      ReturnValues: 'ALL_NEW',
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  meter.record('write', response.ConsumedCapacity);
  const ledger = parseLedger(response.Attributes ?? {});
  if (ledger.status !== 'PROCESSING' || ledger.chunksExpected === undefined) return undefined;
  if (ledger.doneChunks < ledger.chunksExpected) return undefined;
  return completeDump(deps, ledger);
}

async function completeDump(deps: LedgerDeps, ledger: LedgerEntry): Promise<DumpCompletion | undefined> {
  const { clock, meter } = context(deps);
  let stored = 0;
  let duplicates = ledger.settledDuplicates;
  let conflicts = ledger.settledConflicts;
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await deps.client.send(
      new QueryCommand({
        TableName: deps.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :chunk)',
        ExpressionAttributeValues: { ':pk': { S: ledger.dumpId }, ':chunk': { S: CHUNK_SK_PREFIX } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meter.record('read', page.ConsumedCapacity);
    for (const item of page.Items ?? []) {
      stored += Number(item['stored']?.N ?? 0);
      duplicates += Number(item['duplicates']?.N ?? 0);
      conflicts += Number(item['conflicts']?.N ?? 0);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);

  const completedAt = clock();
  try {
    const response = await deps.client.send(
      new UpdateItemCommand({
        TableName: deps.tableName,
        Key: ledgerKey(ledger.dumpId),
        ...(() => {
          const { expression, names } = setExpression({
            status: ':complete',
            stored: ':stored',
            duplicates: ':dup',
            conflicts: ':conf',
            completedAt: ':at',
            latencyMs: ':latency',
            updatedAt: ':at',
          });
          return { UpdateExpression: expression, ExpressionAttributeNames: names };
        })(),
        ConditionExpression: '#status = :processing',
        ExpressionAttributeValues: {
          ':complete': { S: 'COMPLETE' },
          ':processing': { S: 'PROCESSING' },
          ':stored': n(stored),
          ':dup': n(duplicates),
          ':conf': n(conflicts),
          ':at': n(completedAt),
          ':latency': n(completedAt - ledger.uploadedAt),
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meter.record('write', response.ConsumedCapacity);
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    meter.record('write', undefined);
    return undefined;
  }
  return {
    dumpId: ledger.dumpId,
    counts: ledger.counts ?? { records: 0, valid: 0, rejected: noRejections(), expired: 0 },
    totals: { stored, duplicates, conflicts },
    uploadedAt: ledger.uploadedAt,
    completedAt,
    latencyMs: completedAt - ledger.uploadedAt,
  };
}
