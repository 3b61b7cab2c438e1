/**
 * How a batch invocation ended, read the way Lambda reads a handler's result when the event source
 * mapping has ReportBatchItemFailures on.
 */
export type BatchOutcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly failedIds: readonly string[] }
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * Lambda's rules, same for SQS (itemIdentifier = messageId) and streams (= SequenceNumber):
 * no response, no `batchItemFailures` or an empty list is a full success; an entry whose
 * itemIdentifier is missing, empty or not in the batch fails the whole batch.
 */
export function readBatchResponse(response: unknown, batchIds: readonly string[]): BatchOutcome {
  if (response === undefined || response === null || typeof response !== 'object') return { kind: 'success' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) {
    return { kind: 'failed', reason: 'batchItemFailures is not a list' };
  }
  if (failures.length === 0) return { kind: 'success' };
  const known = new Set(batchIds);
  const failedIds: string[] = [];
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !known.has(id)) {
      return { kind: 'failed', reason: `batchItemFailures names an unknown item (${JSON.stringify(id)})` };
    }
    if (!failedIds.includes(id)) failedIds.push(id);
  }
  return { kind: 'partial', failedIds };
}
