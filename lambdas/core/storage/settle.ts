import { CapacityMeter, type CapacityTotals } from './capacity';
import { fingerprintFromHex, fingerprintsEqual } from './fingerprint';
import { readItem } from './items';
import { dayNumberFromDaySk } from './keys';
import type { PreparedDay, PreparedDump } from './prepare';
import { queryItems } from './query';
import { daySummaryQuery } from './summary';
import type { TableAccess } from './table-access';

export interface SettleResult {
  /** Days whose every record is a duplicate of what is stored: no chunk, no digest read. */
  readonly settledDays: readonly PreparedDay[];
  /** Days to fan out to workers. */
  readonly remainingDays: readonly PreparedDay[];
  /**
   * Day numbers of remaining days that had no summary at all when the Query ran: nothing of them
   * was stored then. Sent to the workers as a hint (ChunkMessage.dayWasEmpty) that they verify.
   */
  readonly emptyDays: ReadonlySet<number>;
  /** Over the settled days: every record. */
  readonly duplicates: number;
  /** Over the settled days: copies whose content differs from the stored (= first) copy. */
  readonly conflicts: number;
  readonly capacity: CapacityTotals;
}

/**
 * The parser's whole-day shortcut: ONE strongly consistent Query of the dump's day summaries
 * (sk BETWEEN first and last day) for its (patient, device). A day whose stored count and
 * fingerprint equal the dump's distinct first copies holds exactly those (identity, content)
 * pairs already, so every record of that day is a duplicate and only intra-dump copies with other
 * content are conflicts. A re-uploaded year costs one Query (~16 RCU) instead of 365 fan-outs.
 */
export async function settleWholeDays(deps: TableAccess, dump: PreparedDump): Promise<SettleResult> {
  const meter = deps.meter ?? new CapacityMeter();
  const before = meter.snapshot();
  const first = dump.days[0];
  const last = dump.days[dump.days.length - 1];
  const stored = new Map<number, { count: number; fp: string }>();
  if (first && last) {
    const items = queryItems(
      deps.dynamodb,
      {
        ...daySummaryQuery(deps.tableName, {
          patientId: dump.patientId,
          deviceId: dump.deviceId,
          fromDay: first.dayNumber,
          toDay: last.dayNumber,
        }),
        ProjectionExpression: 'sk, #count, fp',
        ExpressionAttributeNames: { '#count': 'count' },
      },
      meter,
    );
    for await (const item of items) {
      const summary = readItem(item, 'a day summary');
      const dayNumber = dayNumberFromDaySk(summary.string('sk'));
      // A summary without a count (none is written so) settles nothing: NaN equals no count.
      const count = summary.optionalNumber('count') ?? NaN;
      const fp = summary.optionalString('fp');
      if (dayNumber !== undefined && fp !== undefined) stored.set(dayNumber, { count, fp });
    }
  }

  const settledDays: PreparedDay[] = [];
  const remainingDays: PreparedDay[] = [];
  const emptyDays = new Set<number>();
  let duplicates = 0;
  let conflicts = 0;
  for (const day of dump.days) {
    const summary = stored.get(day.dayNumber);
    if (
      summary !== undefined &&
      summary.count === day.identities &&
      fingerprintsEqual(fingerprintFromHex(summary.fp), day.fingerprint)
    ) {
      settledDays.push(day);
      duplicates += day.records;
      conflicts += day.intraConflicts;
    } else {
      remainingDays.push(day);
      if (summary === undefined) emptyDays.add(day.dayNumber);
    }
  }
  return { settledDays, remainingDays, emptyDays, duplicates, conflicts, capacity: meter.since(before) };
}
