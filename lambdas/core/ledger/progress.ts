import { UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { outcomeFromItem, outcomeKey } from '../storage/chunk-outcome';
import { conditionalWrite } from '../storage/conditions';
import { toAttributes } from '../storage/items';
import {
  context,
  ledgerKey,
  noRejections,
  parseLedger,
  setExpression,
  type DumpCompletion,
  type LedgerDeps,
  type LedgerEntry,
} from './entry';
import { committedOutcomes } from './plan';
import { DEFAULT_WATCH, WATCH_KPI, type WatchSettings } from './watch';

export interface ProgressDeps extends LedgerDeps {
  /** The KPI grace a completed dump gets in the watch index. @default DEFAULT_WATCH */
  readonly watch?: Pick<WatchSettings, 'kpiGraceMs'>;
}

/**
 * Counts a committed chunk towards its dump, once, and completes the dump with the last one.
 *
 * The count is two plain writes rather than a set of chunk ids in the ledger item (which would
 * grow past 400 KB for a dump of tens of thousands of chunks) or a transaction on the ledger (every
 * chunk of a dump would conflict on it):
 *   1. the chunk's outcome item gets `counted` (only if it has none): exactly one delivery of the
 *      chunk wins this, however many run;
 *   2. that delivery adds 1 to the ledger's `done`; the one whose add reaches chunksExpected while
 *      the dump is PROCESSING completes it.
 * A crash between 1 and 2 leaves `done` one short, never over: the dump then misses its deadline
 * and the watchdog's re-drive finds every planned chunk committed and completes it from the
 * outcome items (completeIfCommitted).
 */
export async function markChunkDone(
  deps: ProgressDeps,
  dumpId: string,
  chunkId: string,
): Promise<DumpCompletion | undefined> {
  const { meter } = context(deps);
  const marked = await conditionalWrite(meter, () =>
    deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: deps.tableName,
        Key: outcomeKey({ dumpId, chunkId }),
        UpdateExpression: 'SET counted = :yes',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(counted)',
        ExpressionAttributeValues: toAttributes({ ':yes': true }),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  );
  if (!marked.written) {
    if (!marked.conditionFailed) throw marked.error;
    return undefined;
  }
  const response = await deps.dynamodb.send(
    new UpdateItemCommand({
      TableName: deps.tableName,
      Key: ledgerKey(dumpId),
      UpdateExpression: 'ADD done :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: toAttributes({ ':one': 1 }),
      ReturnValues: 'ALL_NEW',
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  meter.record('write', response.ConsumedCapacity);
  const ledger = parseLedger(response.Attributes ?? {});
  if (ledger.status !== 'PROCESSING' || ledger.chunksExpected === undefined) return undefined;
  if (ledger.done < ledger.chunksExpected) return undefined;
  return completeDump(deps, ledger);
}

/**
 * Completes a PROCESSING dump whose every planned chunk has an outcome, whatever `done` says:
 * the path a re-drive takes, so that a count left short by a crash cannot keep a dump open.
 */
export async function completeIfCommitted(
  deps: ProgressDeps,
  ledger: LedgerEntry,
): Promise<DumpCompletion | undefined> {
  if (ledger.status !== 'PROCESSING' || ledger.chunksExpected === undefined) return undefined;
  const outcomes = await committedOutcomes(deps, ledger.dumpId);
  if (outcomes.size < ledger.chunksExpected) return undefined;
  return completeDump(deps, ledger, [...outcomes.values()]);
}

/**
 * PROCESSING -> COMPLETE with the totals of the chunk outcomes, conditional on PROCESSING, so
 * exactly one caller returns the completion (and emits the latency metric). A dump that stored
 * events moves to the KPI watch; one that stored none leaves the watch index.
 */
async function completeDump(
  deps: ProgressDeps,
  ledger: LedgerEntry,
  outcomeItems?: readonly Record<string, AttributeValue>[],
): Promise<DumpCompletion | undefined> {
  const { clock, meter } = context(deps);
  let stored = 0;
  let duplicates = ledger.settledDuplicates;
  let conflicts = ledger.settledConflicts;
  for (const item of outcomeItems ?? (await committedOutcomes(deps, ledger.dumpId)).values()) {
    const outcome = outcomeFromItem(item);
    stored += outcome.stored;
    duplicates += outcome.duplicates;
    conflicts += outcome.conflicts;
  }
  const completedAt = clock();
  const { expression, names } = setExpression({
    status: ':complete',
    stored: ':stored',
    duplicates: ':dup',
    conflicts: ':conf',
    completedAt: ':at',
    latencyMs: ':latency',
    updatedAt: ':at',
    ...(stored > 0 ? { watch: ':kpi', due: ':due' } : {}),
  });
  const completed = await conditionalWrite(meter, () =>
    deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: deps.tableName,
        Key: ledgerKey(ledger.dumpId),
        UpdateExpression: stored > 0 ? expression : `${expression} REMOVE #watch, #due`,
        ConditionExpression: '#status = :processing',
        ExpressionAttributeNames: { ...names, '#watch': 'watch', '#due': 'due' },
        ExpressionAttributeValues: toAttributes({
          ':complete': 'COMPLETE',
          ':processing': 'PROCESSING',
          ':stored': stored,
          ':dup': duplicates,
          ':conf': conflicts,
          ':at': completedAt,
          ':latency': completedAt - ledger.uploadedAt,
          ...(stored > 0
            ? { ':kpi': WATCH_KPI, ':due': completedAt + (deps.watch ?? DEFAULT_WATCH).kpiGraceMs }
            : {}),
        }),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  );
  if (!completed.written) {
    if (!completed.conditionFailed) throw completed.error;
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
