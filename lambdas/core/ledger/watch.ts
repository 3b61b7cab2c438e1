import { readItem, toAttributes } from '../storage/items';
import { dumpIdFromLedgerPk } from '../storage/keys';
import { queryItems } from '../storage/query';
import { TABLE_DEFINITION } from '../storage/table';
import type { TableAccess } from '../storage/table-access';

/**
 * The watch index (TABLE_DEFINITION.watchIndex): a sparse index of ledger items that still need
 * looking after, so that nothing ends silently stuck and the watchdog reads only those:
 *
 *   watch = 'DUMP'  from claim until the dump is final; `due` is its deadline (uploadedAt +
 *                   deadlineMs, pushed on by each re-drive). Past it, the watchdog re-drives the
 *                   dump through the parser, and after maxRedrives marks it FAILED.
 *   watch = 'KPI'   from completion (when it stored events) until its patient-device's KPIs are
 *                   confirmed to reflect it; `due` is completedAt + kpiGraceMs. Past it, the
 *                   watchdog compares the KPI item's computedAt and recomputes the KPIs if they lag.
 *
 * Leaving the index is REMOVE watch, due.
 */

export const WATCH_DUMP = 'DUMP';
export const WATCH_KPI = 'KPI';

export interface WatchSettings {
  /** Time from upload to COMPLETE or REJECTED before the watchdog steps in. @default 600000 (10 min) */
  readonly deadlineMs: number;
  /** Time the KPI function gets to reflect a completed dump before the watchdog checks. @default 180000 */
  readonly kpiGraceMs: number;
  /** Re-drives before a dump is marked FAILED. @default 3 */
  readonly maxRedrives: number;
}

export const DEFAULT_WATCH: WatchSettings = {
  deadlineMs: 600_000,
  kpiGraceMs: 180_000,
  maxRedrives: 3,
};

/**
 * How much later than a dump's completion the KPIs' computedAt (when their reads began) must be
 * for them to count as reflecting it: both are wall clocks of different functions, and Lambda
 * hosts keep theirs within a few milliseconds, so this is a wide margin. It must stay well below
 * the stream's usual delay (the KPI mapping's batching window, a second): with 5 s the watchdog
 * recomputed the KPIs of nearly every dump, which the cost plan does not count.
 */
export const CLOCK_SKEW_MARGIN_MS = 250;

/**
 * The dump ids of the watch index's entries of kind `watch` due by `now`: the one query both the
 * watchdog and `dumpflow status --stuck` read. A GSI is read eventually consistent only, so a
 * caller that acts on an entry reads its ledger strongly consistent first.
 */
export async function* dueEntries(deps: TableAccess, watch: string, now: number): AsyncGenerator<string> {
  const { watchIndex } = TABLE_DEFINITION;
  const items = queryItems(
    deps.dynamodb,
    {
      TableName: deps.tableName,
      IndexName: watchIndex.indexName,
      KeyConditionExpression: '#watch = :watch AND #due <= :now',
      ExpressionAttributeNames: { '#watch': watchIndex.partitionKey.name, '#due': watchIndex.sortKey.name },
      ExpressionAttributeValues: toAttributes({ ':watch': watch, ':now': now }),
    },
    deps.meter,
  );
  for await (const item of items) {
    const dumpId = dumpIdFromLedgerPk(readItem(item, 'a watch index entry').string('pk'));
    if (dumpId !== undefined) yield dumpId;
  }
}

/**
 * Whether a ledger read strongly consistent is still due under `watch` at `now`. The index entry
 * that led to it may be stale: another watchdog run may have re-driven the dump (moving `due`)
 * or the dump may have moved on since the index was read.
 */
export function stillDue(
  ledger: { readonly watch?: string; readonly due?: number },
  watch: string,
  now: number,
): boolean {
  return ledger.watch === watch && ledger.due !== undefined && ledger.due <= now;
}
