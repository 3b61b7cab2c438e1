import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { WatchSettings } from '../core/ledger';
import {
  CapacityMeter,
  chunkWithOwner,
  decodeChunkMessage,
  ensureTableLayout,
  writeChunk,
  type WriteChunkResult,
} from '../core/storage';

export interface ProcessChunkDeps {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly saltBuckets: number;
  /** The device-day lease (DAY_LEASE_MS). @default writeChunk's (120 s) */
  readonly dayLeaseMs?: number;
  /** The KPI grace a completed dump gets in the watch index. @default DEFAULT_WATCH */
  readonly watch?: Pick<WatchSettings, 'kpiGraceMs'>;
}

/** One fan-out message: dedupe its device-day chunk against the day's stored events and commit it exactly once. */
export async function processChunk(deps: ProcessChunkDeps, body: string): Promise<WriteChunkResult> {
  const envelope = decodeChunkMessage(body);
  await ensureTableLayout(deps.dynamodb, deps.tableName);
  const writeDeps = {
    // One meter for the ledger read and the chunk's own requests, so the result counts both.
    meter: new CapacityMeter(),
    client: deps.dynamodb,
    tableName: deps.tableName,
    saltBuckets: deps.saltBuckets,
    ...(deps.dayLeaseMs !== undefined && { lockLeaseMs: deps.dayLeaseMs }),
    ...(deps.watch !== undefined && { watch: deps.watch }),
  };
  return writeChunk(writeDeps, await chunkWithOwner(writeDeps, envelope));
}
