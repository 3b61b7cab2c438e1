import type { ConsumedCapacity, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { CapacityMeter } from './capacity';

/**
 * One way to read why DynamoDB refused a write. A plain write refused by its condition throws
 * ConditionalCheckFailedException; a transaction throws TransactionCanceledException with one
 * reason per item, in item order ('None' for items that were fine); a write that met a
 * transaction in progress on its item throws TransactionConflictException (a transaction that
 * met one is cancelled with the reason 'TransactionConflict'). The SDK retries none of these.
 */

function nameOf(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return nameOf(error) === 'ConditionalCheckFailedException';
}

export function isTransactionCanceled(error: unknown): boolean {
  return nameOf(error) === 'TransactionCanceledException';
}

/** A cancelled transaction's reason codes, in item order; [] when it carries none. */
export function cancellationCodes(error: unknown): (string | undefined)[] {
  if (!isTransactionCanceled(error)) return [];
  return ((error as Partial<TransactionCanceledException>).CancellationReasons ?? []).map((r) => r.Code);
}

/** The write met a transaction in progress: nothing was decided, trying again is right. */
export function isTransactionConflict(error: unknown): boolean {
  return (
    nameOf(error) === 'TransactionConflictException' ||
    cancellationCodes(error).some((code) => code === 'TransactionConflict')
  );
}

/** A conditional write DynamoDB refused, with why. Nothing was written. */
export interface Refused {
  readonly written: false;
  /** A condition of the write, or of one of the transaction's items, was false. */
  readonly conditionFailed: boolean;
  /** It met a transaction in progress: nothing was decided, trying again is right. */
  readonly conflict: boolean;
  /** A cancelled transaction's reason codes, in item order; [] for a single-item write. */
  readonly reasons: readonly (string | undefined)[];
  /** The refusal as the SDK threw it, for callers that treat this kind as a failure. */
  readonly error: unknown;
}

export type ConditionalWrite<T> = { readonly written: true; readonly output: T } | Refused;

/**
 * Sends one conditional write (`send`: PutItem, UpdateItem, DeleteItem or TransactWriteItems with
 * ReturnConsumedCapacity) and meters it; a refusal by a condition, a cancellation or a
 * transaction conflict is returned, not thrown, and metered as a request that returned no
 * capacity (AWS still bills it). Any other error is thrown.
 */
export async function conditionalWrite<
  T extends { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] },
>(meter: CapacityMeter, send: () => Promise<T>): Promise<ConditionalWrite<T>> {
  try {
    const output = await send();
    meter.record('write', output.ConsumedCapacity);
    return { written: true, output };
  } catch (error) {
    const conditionFailed = isConditionalCheckFailed(error);
    const conflict = isTransactionConflict(error);
    if (!conditionFailed && !conflict && !isTransactionCanceled(error)) throw error;
    meter.record('write', undefined);
    const reasons = cancellationCodes(error);
    return {
      written: false,
      conditionFailed: conditionFailed || reasons.includes('ConditionalCheckFailed'),
      conflict,
      reasons,
      error,
    };
  }
}
