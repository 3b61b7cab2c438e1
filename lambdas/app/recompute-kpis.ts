import {
  mayBeInKpiWindow,
  recomputeKpis,
  type RecomputeKpisOptions,
  type RecomputeKpisResult,
} from '../core/kpi';
import { ensureTableLayout, parseSummaryPk, type TableAccess } from '../core/storage';
import { DumpflowError } from '../core/errors';

export type KpiRecomputeBatchDeps = Pick<TableAccess, 'dynamodb' | 'tableName'>;

/**
 * Recomputes KPIs once per (patient, device) however many of its day summaries changed in one
 * stream batch: the result depends only on the stored summaries, so one recompute covers them all.
 */
export class KpiRecomputeBatch {
  /** Recomputes a written summary woke: they may create the KPI item. */
  private readonly pending = new Map<string, Promise<RecomputeKpisResult>>();
  /** Recomputes only removals woke: they only replace a stored KPI item. */
  private readonly pendingReplace = new Map<string, Promise<RecomputeKpisResult>>();

  constructor(private readonly deps: KpiRecomputeBatchDeps) {}

  recompute(summaryPartitionKey: string): Promise<RecomputeKpisResult> {
    return this.once(this.pending, summaryPartitionKey, {});
  }

  /**
   * A day summary was removed: recomputes only when the day can have been in the KPI window
   * (mayBeInKpiWindow), else resolves to undefined. TTL removes every day 400 days after it, so
   * most removals are of days long out of any window. Such a recompute never creates the KPI
   * item (RecomputeKpisOptions.replaceOnly), unless a written summary in the batch asks for one.
   */
  async removed(summaryPartitionKey: string, dayNumber: number): Promise<RecomputeKpisResult | undefined> {
    const written = this.pending.get(summaryPartitionKey);
    if (written) return written;
    if (!this.pendingReplace.has(summaryPartitionKey)) {
      const ids = idsOf(summaryPartitionKey);
      const { dynamodb, tableName } = this.deps;
      await ensureTableLayout(dynamodb, tableName);
      if (!(await mayBeInKpiWindow({ dynamodb, tableName }, ids.patientId, ids.deviceId, dayNumber))) {
        return undefined;
      }
    }
    return this.once(this.pendingReplace, summaryPartitionKey, { replaceOnly: true });
  }

  private once(
    pending: Map<string, Promise<RecomputeKpisResult>>,
    summaryPartitionKey: string,
    options: RecomputeKpisOptions,
  ): Promise<RecomputeKpisResult> {
    let running = pending.get(summaryPartitionKey);
    if (!running) {
      const ids = idsOf(summaryPartitionKey);
      const { dynamodb, tableName } = this.deps;
      running = ensureTableLayout(dynamodb, tableName).then(() =>
        recomputeKpis({ dynamodb, tableName }, ids.patientId, ids.deviceId, options),
      );
      pending.set(summaryPartitionKey, running);
    }
    return running;
  }
}

function idsOf(summaryPartitionKey: string): { readonly patientId: string; readonly deviceId: string } {
  const ids = parseSummaryPk(summaryPartitionKey);
  if (!ids) {
    throw new DumpflowError(
      'E_STREAM_RECORD',
      // The key is not named: a summary key holds the patient and device ids.
      "a stream record's partition key is not a day summary's (S#{patient}#{device}); check the KPI event source's filter (only DAY# items may reach it)",
    );
  }
  return ids;
}
