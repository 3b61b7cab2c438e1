import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { conditionalWrite } from '../storage/conditions';
import { toAttributes, type AttributeNative } from '../storage/items';
import { patientDevicesPk, patientDumpSk } from '../storage/keys';
import { context, ledgerKey, type LedgerDeps } from './entry';

/**
 * The ledger's other transitions: rejection by the parser, the watchdog's re-drive bookkeeping,
 * failure, and leaving the watch index. Each is one conditional UpdateItem that answers whether
 * this caller made the change (false when the dump had already moved on).
 */

async function update(
  deps: LedgerDeps,
  dumpId: string,
  input: {
    readonly update: string;
    readonly condition: string;
    readonly names: Record<string, string>;
    readonly values: Readonly<Record<string, AttributeNative>>;
  },
): Promise<boolean> {
  const { meter } = context(deps);
  const update = await conditionalWrite(meter, () =>
    deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: deps.tableName,
        Key: ledgerKey(dumpId),
        UpdateExpression: input.update,
        ConditionExpression: input.condition,
        ExpressionAttributeNames: input.names,
        ExpressionAttributeValues: toAttributes(input.values),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  );
  if (!update.written && !update.conditionFailed) throw update.error;
  return update.written;
}

const FINAL = {
  '#status': 'status',
  '#code': 'code',
  '#message': 'message',
  '#completedAt': 'completedAt',
  '#updatedAt': 'updatedAt',
  '#watch': 'watch',
  '#due': 'due',
};

/** RECEIVED -> REJECTED with the whole-dump code; the dump leaves the watch index. */
export function rejectDump(
  deps: LedgerDeps,
  dumpId: string,
  code: string,
  message: string,
): Promise<boolean> {
  const now = context(deps).clock();
  return update(deps, dumpId, {
    update:
      'SET #status = :rejected, #code = :code, #message = :message, #completedAt = :now, #updatedAt = :now REMOVE #watch, #due',
    condition: '#status = :received',
    names: FINAL,
    values: {
      ':rejected': 'REJECTED',
      ':received': 'RECEIVED',
      ':code': code,
      ':message': message,
      ':now': now,
    },
  });
}

/**
 * Files a dump that stored nothing under its patient (the `DUMP#` item startProcessing writes for
 * the dumps that start), so erasure finds its rejected copy. Idempotent.
 */
export async function recordPatientDump(
  deps: LedgerDeps,
  dumpId: string,
  owner: { readonly patientId: string; readonly deviceId: string },
): Promise<void> {
  const { meter } = context(deps);
  const response = await deps.dynamodb.send(
    new PutItemCommand({
      TableName: deps.tableName,
      Item: toAttributes({
        pk: patientDevicesPk(owner.patientId),
        sk: patientDumpSk(dumpId),
        patientId: owner.patientId,
        deviceId: owner.deviceId,
      }),
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  meter.record('write', response.ConsumedCapacity);
}

/** RECEIVED or PROCESSING -> FAILED: the watchdog gave up; the dump leaves the watch index. */
export function failDump(deps: LedgerDeps, dumpId: string, code: string, message: string): Promise<boolean> {
  const now = context(deps).clock();
  return update(deps, dumpId, {
    update:
      'SET #status = :failed, #code = :code, #message = :message, #completedAt = :now, #updatedAt = :now REMOVE #watch, #due',
    condition: '#status IN (:received, :processing)',
    names: FINAL,
    values: {
      ':failed': 'FAILED',
      ':received': 'RECEIVED',
      ':processing': 'PROCESSING',
      ':code': code,
      ':message': message,
      ':now': now,
    },
  });
}

/**
 * Books one re-drive: `redrives` goes from `seen` to seen + 1 and the deadline moves to `due`.
 * Conditional on `seen` and on the deadline having passed at `now`, so two watchdog runs that
 * found the same stuck dump re-drive it once, whichever of them read the ledger last.
 */
export function noteRedrive(
  deps: LedgerDeps,
  dumpId: string,
  seen: number,
  now: number,
  due: number,
): Promise<boolean> {
  return update(deps, dumpId, {
    update: 'SET #redrives = :next, #due = :due, #updatedAt = :now',
    condition: '#status IN (:received, :processing) AND #redrives = :seen AND #due <= :checked',
    names: { '#status': 'status', '#redrives': 'redrives', '#due': 'due', '#updatedAt': 'updatedAt' },
    values: {
      ':received': 'RECEIVED',
      ':processing': 'PROCESSING',
      ':seen': seen,
      ':next': seen + 1,
      ':due': due,
      ':checked': now,
      ':now': context(deps).clock(),
    },
  });
}

/** Takes the dump out of the watch index, if it is still under `watch` (e.g. its KPIs confirmed). */
export function leaveWatch(deps: LedgerDeps, dumpId: string, watch: string): Promise<boolean> {
  return update(deps, dumpId, {
    update: 'REMOVE #watch, #due',
    condition: '#watch = :watch',
    names: { '#watch': 'watch', '#due': 'due' },
    values: { ':watch': watch },
  });
}
