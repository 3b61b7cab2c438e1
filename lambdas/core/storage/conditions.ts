import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

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
