import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CapacityTapMeter,
  capacitySince,
  tapConsumedCapacity,
  type MeteredCapacity,
} from '../local/capacity-tap';
import { DEFAULT_NOW } from '../generator';
import type { DecodedDump } from '../lambdas/core/dump/types';
import { ingestInProcess } from '../lambdas/core/storage/in-process';
import { PartitionMeter, tapPartitionWrites } from './partition-meter';

/**
 * The benches' DynamoDB client: every successful request metered as AWS bills it and as DynamoDB
 * Local reports it (local/capacity-tap.ts), and every write per partition key (partition-meter.ts).
 */
export interface BenchClient {
  readonly dynamodb: DynamoDBClient;
  readonly capacity: CapacityTapMeter;
  readonly partitions: PartitionMeter;
}

export const BENCH_CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' } as const;

export function benchClient(endpoint: string): BenchClient {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: BENCH_CREDENTIALS,
    maxAttempts: 6,
  });
  return {
    dynamodb: client,
    capacity: tapConsumedCapacity(client, new CapacityTapMeter()),
    partitions: tapPartitionWrites(client, new PartitionMeter()),
  };
}

/** Runs `work` and returns what it consumed on the bench client, with its wall time. */
export async function metered<T>(
  bench: BenchClient,
  work: () => Promise<T>,
): Promise<{ result: T; capacity: MeteredCapacity; wallMs: number }> {
  const before = bench.capacity.totals();
  const start = performance.now();
  const result = await work();
  const wallMs = performance.now() - start;
  return { result, capacity: capacitySince(bench.capacity.totals(), before), wallMs };
}

/**
 * One decoded dump through the project's write path in process (parser and workers as one call,
 * storage/in-process.ts) at the generator's DEFAULT_NOW with 10 salt buckets, as every bench runs it.
 */
export function benchIngest(
  bench: BenchClient,
  tableName: string,
  dump: DecodedDump,
  options: { readonly key: string; readonly chunkConcurrency: number },
): ReturnType<typeof ingestInProcess> {
  return ingestInProcess(
    {
      dynamodb: bench.dynamodb,
      tableName,
      now: DEFAULT_NOW,
      saltBuckets: 10,
      chunkConcurrency: options.chunkConcurrency,
    },
    { bucket: 'bench', key: options.key, version: '1' },
    dump,
    Date.now(),
  );
}

/** benchIngest metered, with the partition meter reset first. */
export function meteredIngest(
  bench: BenchClient,
  tableName: string,
  dump: DecodedDump,
  options: { readonly key: string; readonly chunkConcurrency: number },
): ReturnType<typeof metered<Awaited<ReturnType<typeof ingestInProcess>>>> {
  bench.partitions.reset();
  return metered(bench, () => benchIngest(bench, tableName, dump, options));
}
