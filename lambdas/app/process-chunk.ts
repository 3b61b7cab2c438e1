import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { decodeChunkMessage, ensureTableLayout, writeChunk, type WriteChunkResult } from '../core/storage';

export interface ProcessChunkDeps {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly saltBuckets: number;
  /** The device-day lease (DAY_LEASE_MS). @default writeChunk's (120 s) */
  readonly dayLeaseMs?: number;
}

/** One fan-out message: dedupe its device-day chunk against the day's stored events and commit it exactly once. */
export async function processChunk(deps: ProcessChunkDeps, body: string): Promise<WriteChunkResult> {
  const message = decodeChunkMessage(body);
  await ensureTableLayout(deps.dynamodb, deps.tableName);
  return writeChunk(
    {
      client: deps.dynamodb,
      tableName: deps.tableName,
      saltBuckets: deps.saltBuckets,
      ...(deps.dayLeaseMs !== undefined && { lockLeaseMs: deps.dayLeaseMs }),
    },
    message,
  );
}
