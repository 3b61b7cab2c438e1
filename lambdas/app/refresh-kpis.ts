import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { recomputeKpis, type RecomputeKpisResult } from '../core/kpi';
import { ensureTableLayout, parseSummaryPk } from '../core/storage';
import { DumpflowError } from '../core/errors';

export interface RefreshKpisDeps {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
}

/**
 * Recomputes KPIs once per (patient, device) however many of its day summaries changed in one
 * stream batch: the result depends only on the stored summaries, so one recompute covers them all.
 */
export class KpiRefresher {
  private readonly pending = new Map<string, Promise<RecomputeKpisResult>>();

  constructor(private readonly deps: RefreshKpisDeps) {}

  refresh(summaryPartitionKey: string): Promise<RecomputeKpisResult> {
    let running = this.pending.get(summaryPartitionKey);
    if (!running) {
      const ids = parseSummaryPk(summaryPartitionKey);
      if (!ids) {
        throw new DumpflowError(
          'E_STREAM_RECORD',
          `stream record key ${summaryPartitionKey} is not a day summary's`,
        );
      }
      const { dynamodb: client, tableName } = this.deps;
      running = ensureTableLayout(client, tableName).then(() =>
        recomputeKpis({ client, tableName }, ids.patientId, ids.deviceId),
      );
      this.pending.set(summaryPartitionKey, running);
    }
    return running;
  }
}
