import { TransactWriteItemsCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { conditionalWrite } from '../storage/conditions';
import { StoredItemError } from '../storage/errors';
import { toAttributes, type AttributeNative } from '../storage/items';
import { patientDeviceSk, patientDevicesPk, patientDumpSk } from '../storage/keys';
import { backoffDelay } from '../storage/retry';
import {
  completionOf,
  CONFLICT_ATTEMPTS,
  context,
  LedgerConflictError,
  ledgerKey,
  readLedger,
  setExpression,
  type DumpCompletion,
  type DumpCounts,
  type LedgerEntry,
} from './entry';
import { pendingChunks, writePlan, type PlannedChunk } from './plan';
import { completeIfCommitted, type ProgressDeps } from './progress';

export interface StartProcessingInput {
  /** Whose dump it is (from its header): recorded on the ledger, and the device registered under the patient. */
  readonly patientId: string;
  readonly deviceId: string;
  readonly counts: DumpCounts;
  readonly settledDuplicates: number;
  readonly settledConflicts: number;
  /** Every chunk the dump fans out to, in (day, part) order; stored (plan.ts) so a re-drive re-sends the same set. */
  readonly chunks: readonly PlannedChunk[];
  /** The most variants per chunk the plan was cut with: a re-drive must cut the days the same way. */
  readonly chunkEvents: number;
}

export type StartProcessingResult =
  /** This caller moved the dump on: send every chunk (or, with no chunks, it is already COMPLETE). */
  | { readonly kind: 'started'; readonly completion?: DumpCompletion }
  /**
   * Someone had already: re-send `pending` (the planned chunks without an outcome; harmless if
   * they are in flight). `completion` is set when this call found every chunk committed and
   * completed the dump itself (a count left short by a crash).
   */
  | {
      readonly kind: 'already-started';
      readonly ledger: LedgerEntry;
      readonly pending: readonly PlannedChunk[];
      readonly completion?: DumpCompletion;
    };

/**
 * RECEIVED -> PROCESSING with the counts and the chunk plan (or straight to COMPLETE with no
 * chunks: everything settled, expired or rejected). The plan's items are written first (they are
 * content-addressed and inert until the ledger names them), then ONE transaction moves the ledger,
 * conditional on RECEIVED, and registers the device under its patient.
 *
 * A cancellation is read, not guessed: a failed condition means another caller started the dump
 * (its plan is what gets re-sent); a transaction conflict decided nothing and is tried again.
 */
export async function startProcessing(
  deps: ProgressDeps,
  dumpId: string,
  input: StartProcessingInput,
): Promise<StartProcessingResult> {
  const { clock, meter, timing } = context(deps);
  const complete = input.chunks.length === 0;
  const plan = complete ? undefined : await writePlan(deps, dumpId, input.chunks);
  for (let attempt = 1; ; attempt++) {
    const now = clock();
    const start = await conditionalWrite(meter, () =>
      deps.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: startItems(deps.tableName, dumpId, input, now, plan),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    if (start.written) break;
    if (start.reasons[0] === 'ConditionalCheckFailed') return alreadyStarted(deps, dumpId);
    if (!start.conflict) throw start.error;
    if (attempt >= CONFLICT_ATTEMPTS) throw new LedgerConflictError('start', attempt, start.error);
    await timing.sleep(backoffDelay(attempt - 1, 25, 1000, timing.random));
  }
  if (!complete) return { kind: 'started' };
  const ledger = await readLedger(deps, dumpId);
  const completion = ledger ? completionOf(ledger) : undefined;
  return { kind: 'started', ...(completion ? { completion } : {}) };
}

async function alreadyStarted(deps: ProgressDeps, dumpId: string): Promise<StartProcessingResult> {
  const ledger = await readLedger(deps, dumpId);
  if (!ledger) throw new StoredItemError('the ledger item is missing; claim the dump first');
  // A failed condition with the dump still RECEIVED cannot be: say so rather than send nothing.
  if (ledger.status === 'RECEIVED') throw new StoredItemError('the ledger refused to start a RECEIVED dump');
  if (ledger.status !== 'PROCESSING' || ledger.planId === undefined) {
    return { kind: 'already-started', ledger, pending: [] };
  }
  const pending = await pendingChunks(deps, dumpId, { planId: ledger.planId, parts: ledger.planParts ?? 1 });
  if (pending.length > 0) return { kind: 'already-started', ledger, pending };
  const completion = await completeIfCommitted(deps, ledger);
  return { kind: 'already-started', ledger, pending, ...(completion ? { completion } : {}) };
}

function startItems(
  tableName: string,
  dumpId: string,
  input: StartProcessingInput,
  now: number,
  plan: { planId: string; parts: number } | undefined,
): TransactWriteItem[] {
  const { counts } = input;
  const values: Record<string, AttributeNative> = {
    ':received': 'RECEIVED',
    ':status': plan ? 'PROCESSING' : 'COMPLETE',
    ':records': counts.records,
    ':valid': counts.valid,
    ':rejected': counts.rejected,
    ':expired': counts.expired,
    ':sd': input.settledDuplicates,
    ':sc': input.settledConflicts,
    ':expected': input.chunks.length,
    ':zero': 0,
    ':now': now,
    ':patient': input.patientId,
    ':device': input.deviceId,
    ':chunkEvents': input.chunkEvents,
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
    chunkEvents: ':chunkEvents',
    done: ':zero',
    patientId: ':patient',
    deviceId: ':device',
    processingAt: ':now',
    updatedAt: ':now',
  };
  if (plan) {
    Object.assign(assignments, { planId: ':plan', planParts: ':parts' });
    Object.assign(values, { ':plan': plan.planId, ':parts': plan.parts });
  } else {
    // Nothing to fan out: complete now, and nothing was stored, so nothing for the KPIs to reflect.
    Object.assign(assignments, { stored: ':zero', duplicates: ':sd', conflicts: ':sc', completedAt: ':now' });
  }
  const { expression, names } = setExpression(assignments);
  const items: TransactWriteItem[] = [
    {
      Update: {
        TableName: tableName,
        Key: ledgerKey(dumpId),
        UpdateExpression: plan ? expression : `${expression} REMOVE #watch, #due`,
        ConditionExpression: '#status = :received',
        ExpressionAttributeNames: { ...names, ...(plan ? {} : { '#watch': 'watch', '#due': 'due' }) },
        ExpressionAttributeValues: toAttributes(values),
      },
    },
  ];
  // Idempotent and unconditional: the patient's device list (kpis --patient, erasure) and the
  // patient's dumps (erasure finds their ledgers from it, whatever they stored).
  const pk = patientDevicesPk(input.patientId);
  const owner = { patientId: input.patientId, deviceId: input.deviceId };
  items.push(
    {
      Put: {
        TableName: tableName,
        Item: toAttributes({ pk, sk: patientDeviceSk(input.deviceId), ...owner }),
      },
    },
    { Put: { TableName: tableName, Item: toAttributes({ pk, sk: patientDumpSk(dumpId), ...owner }) } },
  );
  return items;
}
