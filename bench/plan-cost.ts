/**
 * The monthly cost lines of `dumpflow plan`, each with the formula and numbers that give it, so
 * a reader can recompute every line from the printed inputs. A month is 730 hours (AWS's
 * convention). Free tiers are left out. docs/benchmarks.md explains each line.
 */
import type { CapacityPlan } from './plan-model';

export interface Prices {
  readonly region: string;
  readonly asOf: string;
  readonly checked: string;
  readonly source: string;
  readonly sources: Readonly<Record<string, string>>;
  readonly dynamodbWriteRequestUnitPerMillion: number;
  readonly dynamodbReadRequestUnitPerMillion: number;
  readonly dynamodbReplicatedWriteUnitPerMillion: number;
  readonly dynamodbStorageGbMonth: number;
  readonly dynamodbPitrGbMonth: number;
  readonly dynamodbStreamReadRequestUnitPerMillion: number;
  readonly sqsRequestPerMillion: number;
  readonly lambdaRequestPerMillion: number;
  readonly lambdaGbSecondArm64: number;
  readonly kmsKeyMonth: number;
  readonly kmsRequestPer10k: number;
  readonly logsIngestionGb: number;
  readonly logsStorageGbMonth: number;
  readonly s3StorageGbMonth: number;
  readonly s3PutPer1k: number;
  readonly s3GetPer1k: number;
  readonly xrayTracesRecordedPerMillion: number;
}

export const SECONDS_PER_MONTH = 730 * 3600;
const GB = 2 ** 30;
const SQS_PAYLOAD_UNIT = 65_536;
/** A data key SQS and DynamoDB reuse, and an S3 bucket key, live 5 minutes. */
const KEY_REUSE_SECONDS = 300;
/** Customer-managed keys of one deployment (table, bucket, queues, logs, alarm topic), plus one per replica. */
const KMS_KEYS = 5;
/** Lambda's default X-Ray sampling: the first request each second, then 5 % of the rest, per function. */
const XRAY_RESERVOIR_PER_SECOND = 1;
const XRAY_RATE = 0.05;

export interface CostLine {
  readonly name: string;
  readonly usd: number;
  readonly formula: string;
}

export interface Usage {
  readonly invocationsPerMonth: { readonly parser: number; readonly worker: number; readonly kpi: number };
  readonly gbSecondsPerMonth: number;
  readonly sqsRequestsPerUpload: number;
  readonly sqsRequestsPerMonth: number;
  readonly kmsRequestsPerMonth: number;
  readonly logsGbPerMonth: number;
  readonly logsStoredGb: number;
  readonly s3StoredGb: number;
  readonly xrayTracesPerMonth: number;
}

const f = (x: number, digits = 2) => x.toLocaleString('en-US', { maximumFractionDigits: digits });
const usd = (x: number) => `$${f(x, 6)}`;

/** Traces Lambda records for a function invoked `perSecond` times a second on average. */
function sampledTraces(perSecond: number): number {
  const kept =
    Math.min(perSecond, XRAY_RESERVOIR_PER_SECOND) +
    XRAY_RATE * Math.max(0, perSecond - XRAY_RESERVOIR_PER_SECOND);
  return kept * SECONDS_PER_MONTH;
}

export function usageOf(plan: CapacityPlan, chunkMessageBytesPerEvent: number): Usage {
  const { input: i, perUpload: u } = plan;
  const uploadsPerMonth = plan.uploadsPerSecond * SECONDS_PER_MONTH;
  const workerBatches = Math.max(1, Math.ceil(u.chunks / i.workerBatchSize));
  const invocations = {
    parser: uploadsPerMonth,
    worker: uploadsPerMonth * workerBatches,
    kpi: uploadsPerMonth,
  };
  const gbSeconds =
    invocations.parser * (i.parserMemoryMb / 1024) * i.parserSeconds +
    uploadsPerMonth * u.chunks * (i.workerMemoryMb / 1024) * i.workerSecondsPerChunk +
    invocations.kpi * (i.kpiMemoryMb / 1024) * i.kpiSeconds;
  const eventsPerChunk = u.chunks > 0 ? u.project.storedEvents / u.chunks : 0;
  const messageUnits = Math.max(
    1,
    Math.ceil((eventsPerChunk * chunkMessageBytesPerEvent) / SQS_PAYLOAD_UNIT),
  );
  // S3's notification, the parser's receive and delete; each chunk message sent and received
  // (billed per 64 KB), one delete per worker batch.
  const sqsPerUpload = 3 + 2 * u.chunks * messageUnits + workerBatches;
  const allInvocations = invocations.parser + invocations.worker + invocations.kpi;
  // Every function environment, S3 (bucket key) and the two queues call KMS once per key per
  // reuse period; at most as many environments as invocations run at once on average.
  const environments =
    Math.max(1, (invocations.parser / SECONDS_PER_MONTH) * i.parserSeconds) +
    Math.max(1, (uploadsPerMonth * u.chunks * i.workerSecondsPerChunk) / SECONDS_PER_MONTH) +
    Math.max(1, (invocations.kpi / SECONDS_PER_MONTH) * i.kpiSeconds);
  const kmsRequests = (Math.ceil(environments) * 3 + 3) * (SECONDS_PER_MONTH / KEY_REUSE_SECONDS);
  const logsGb =
    (uploadsPerMonth * (i.logBytesPerUpload + u.chunks * i.logBytesPerChunk) +
      allInvocations * i.platformLogBytesPerInvocation) /
    GB;
  const traces =
    sampledTraces(invocations.parser / SECONDS_PER_MONTH) +
    sampledTraces(invocations.worker / SECONDS_PER_MONTH) +
    sampledTraces(invocations.kpi / SECONDS_PER_MONTH);
  return {
    invocationsPerMonth: invocations,
    gbSecondsPerMonth: gbSeconds,
    sqsRequestsPerUpload: sqsPerUpload,
    sqsRequestsPerMonth: sqsPerUpload * uploadsPerMonth,
    kmsRequestsPerMonth: kmsRequests,
    logsGbPerMonth: logsGb,
    // Stored logs grow until the retention period, then stay: retention x monthly ingestion (uncompressed, an upper bound).
    logsStoredGb: logsGb * (i.logRetentionDays / (730 / 24)),
    // A dump stays processedRetentionDays under incoming/, then noncurrentRetentionDays as an old version.
    s3StoredGb:
      (plan.uploadsPerSecond *
        86_400 *
        (i.processedRetentionDays + i.noncurrentRetentionDays) *
        u.dumpBytes) /
      GB,
    xrayTracesPerMonth: traces,
  };
}

export function costLines(plan: CapacityPlan, prices: Prices, usage: Usage): CostLine[] {
  const { input: i, dynamodb: d } = plan;
  const M = SECONDS_PER_MONTH;
  const gb = plan.storage.tableGb;
  const R = i.replicas;
  const inv = usage.invocationsPerMonth;
  const allInvocations = inv.parser + inv.worker + inv.kpi;
  const uploadsPerMonth = plan.uploadsPerSecond * M;
  const line = (name: string, value: number, formula: string): CostLine => ({ name, usd: value, formula });
  return [
    line(
      'dynamodbWrites',
      (d.writeUnitsPerSecond.average * M * prices.dynamodbWriteRequestUnitPerMillion) / 1e6,
      `${f(d.writeUnitsPerSecond.average, 3)} WRU/s x ${f(M)} s x ${usd(prices.dynamodbWriteRequestUnitPerMillion)} / 1e6`,
    ),
    line(
      'dynamodbReads',
      (d.readUnitsPerSecond.average * M * prices.dynamodbReadRequestUnitPerMillion) / 1e6,
      `${f(d.readUnitsPerSecond.average, 3)} RRU/s x ${f(M)} s x ${usd(prices.dynamodbReadRequestUnitPerMillion)} / 1e6`,
    ),
    line(
      'dynamodbStorage',
      gb * prices.dynamodbStorageGbMonth,
      `${f(gb)} GB x ${usd(prices.dynamodbStorageGbMonth)}`,
    ),
    line(
      'pointInTimeRecovery',
      gb * (1 + R) * prices.dynamodbPitrGbMonth,
      `${f(gb)} GB x (1 + ${R} replicas) x ${usd(prices.dynamodbPitrGbMonth)}`,
    ),
    line(
      'replicatedWrites',
      (R * d.writeUnitsPerSecond.average * M * prices.dynamodbReplicatedWriteUnitPerMillion) / 1e6,
      `${R} replicas x ${f(d.writeUnitsPerSecond.average, 3)} WRU/s x ${f(M)} s x ${usd(prices.dynamodbReplicatedWriteUnitPerMillion)} / 1e6`,
    ),
    line(
      'replicaStorage',
      R * gb * prices.dynamodbStorageGbMonth,
      `${R} replicas x ${f(gb)} GB x ${usd(prices.dynamodbStorageGbMonth)}`,
    ),
    line(
      'streams',
      0,
      `0: the only stream reader is the KPI function's Lambda trigger, whose GetRecords are free (else ${usd(prices.dynamodbStreamReadRequestUnitPerMillion)} per million stream read units); global-table replication is billed as replicated writes`,
    ),
    line(
      'lambdaRequests',
      (allInvocations * prices.lambdaRequestPerMillion) / 1e6,
      `(${f(inv.parser, 0)} parser + ${f(inv.worker, 0)} worker + ${f(inv.kpi, 0)} KPI) invocations x ${usd(prices.lambdaRequestPerMillion)} / 1e6`,
    ),
    line(
      'lambdaCompute',
      usage.gbSecondsPerMonth * prices.lambdaGbSecondArm64,
      `${f(usage.gbSecondsPerMonth, 0)} GB-s (parser ${i.parserMemoryMb} MB x ${i.parserSeconds} s, worker ${i.workerMemoryMb} MB x ${i.workerSecondsPerChunk} s per chunk, KPI ${i.kpiMemoryMb} MB x ${i.kpiSeconds} s) x ${usd(prices.lambdaGbSecondArm64)}`,
    ),
    line(
      'sqs',
      (usage.sqsRequestsPerMonth * prices.sqsRequestPerMillion) / 1e6,
      `${f(usage.sqsRequestsPerUpload)} requests per upload x ${f(uploadsPerMonth, 0)} uploads x ${usd(prices.sqsRequestPerMillion)} / 1e6`,
    ),
    line(
      'kms',
      (usage.kmsRequestsPerMonth * prices.kmsRequestPer10k) / 1e4 + (KMS_KEYS + R) * prices.kmsKeyMonth,
      `${f(usage.kmsRequestsPerMonth, 0)} requests x ${usd(prices.kmsRequestPer10k)} / 1e4 + ${KMS_KEYS + R} keys x ${usd(prices.kmsKeyMonth)}`,
    ),
    line(
      'logsIngestion',
      usage.logsGbPerMonth * prices.logsIngestionGb,
      `(${f(uploadsPerMonth, 0)} uploads x (${i.logBytesPerUpload} B + ${f(plan.perUpload.chunks)} chunks x ${i.logBytesPerChunk} B) + ${f(allInvocations, 0)} invocations x ${i.platformLogBytesPerInvocation} B) / 2^30 = ${f(usage.logsGbPerMonth)} GB x ${usd(prices.logsIngestionGb)}`,
    ),
    line(
      'logsStorage',
      usage.logsStoredGb * prices.logsStorageGbMonth,
      `${f(usage.logsGbPerMonth)} GB/month x ${i.logRetentionDays} days retention / 30.42 = ${f(usage.logsStoredGb)} GB x ${usd(prices.logsStorageGbMonth)}`,
    ),
    line(
      's3',
      usage.s3StoredGb * prices.s3StorageGbMonth +
        (uploadsPerMonth * (prices.s3PutPer1k + prices.s3GetPer1k)) / 1e3,
      `${f(usage.s3StoredGb)} GB (${f(plan.perUpload.dumpBytes, 0)} B per dump x ${i.processedRetentionDays} + ${i.noncurrentRetentionDays} days) x ${usd(prices.s3StorageGbMonth)} + ${f(uploadsPerMonth, 0)} x (PUT ${usd(prices.s3PutPer1k)} + GET ${usd(prices.s3GetPer1k)}) / 1e3`,
    ),
    line(
      'xray',
      (usage.xrayTracesPerMonth * prices.xrayTracesRecordedPerMillion) / 1e6,
      `${f(usage.xrayTracesPerMonth, 0)} traces (per function 1/s + 5 % of the rest) x ${usd(prices.xrayTracesRecordedPerMillion)} / 1e6`,
    ),
  ];
}
