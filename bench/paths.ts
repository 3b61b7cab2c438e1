/**
 * One dump through each path of the comparison, metered on the bench client (bench-client.ts): the
 * project's (ingestInProcess, then recomputeKpis as the KPI function would) and the source
 * design's (bench/baseline.ts). Units are as AWS bills them, with DynamoDB Local's count beside.
 */
import { DEFAULT_NOW } from '../generator';
import type { DecodedDump } from '../lambdas/core/dump/types';
import { recomputeKpis } from '../lambdas/core/kpi/recompute';
import { CapacityMeter } from '../lambdas/core/storage/capacity';
import { createTable } from '../lambdas/core/storage/table';
import type { BilledUnits } from '../local/aws-billing';
import { ingestBaseline, loadBaseline } from './baseline';
import { benchIngest, metered, meteredIngest, type BenchClient } from './bench-client';
import type { PagesWritten } from './partition-meter';

/** What one path consumed for one dump (or a sum of them). */
export interface PathFigures {
  readonly requests: number;
  /** As AWS bills the requests: the headline. */
  readonly aws: BilledUnits;
  /** As DynamoDB Local reported them (transactional writes at 4 units per KB, empty reads at 0). */
  readonly dynamodbLocal: BilledUnits;
  readonly stored: number;
  readonly duplicates: number;
  readonly wallMs: number;
}

export interface ProjectFigures extends PathFigures {
  readonly chunks: number;
  readonly settledDays: number;
  /** Write and read units (AWS) on event pages (E# keys); the rest is ledger, summaries and leases. */
  readonly pageWriteUnits: number;
  readonly pageReadUnits: number;
  readonly pagesWritten: PagesWritten;
  /** The KPI function's recompute for the dump's patient-device, after it (not in the figures above). */
  readonly kpi: { readonly requests: number; readonly aws: BilledUnits; readonly dynamodbLocal: BilledUnits };
}

export interface BaselineFigures extends PathFigures {
  readonly itemsRead: number;
  readonly daysRead: number;
  /** Strongly consistent Queries that found nothing: DynamoDB Local reports 0 units, AWS bills 1. */
  readonly emptyQueries: number;
}

export interface Tables {
  readonly projectTable: string;
  readonly baselineTable: string;
}

export async function createBenchTable(bench: BenchClient, name: string): Promise<void> {
  // No stream: a second streamed table slows DynamoDB Local to a crawl; the bench measures writes.
  await createTable(bench.dynamodb, name, { stream: false });
}

let objects = 0;

/** The project's path for one dump, uploaded as a new S3 object (a re-upload is a new object too). */
export async function runProject(
  bench: BenchClient,
  tableName: string,
  dump: DecodedDump,
  options: { readonly chunkConcurrency: number; readonly key?: string; readonly kpis?: boolean },
): Promise<ProjectFigures> {
  const m = await meteredIngest(bench, tableName, dump, {
    key: options.key ?? `upload-${++objects}.dump`,
    chunkConcurrency: options.chunkConcurrency,
  });
  const partitions = bench.partitions.report();
  const kpi = await metered(bench, async () => {
    if (options.kpis === false) return;
    await recomputeKpis(
      { dynamodb: bench.dynamodb, tableName, meter: new CapacityMeter() },
      dump.header.patientId,
      dump.header.deviceId,
    );
  });
  return {
    requests: m.capacity.requests,
    aws: m.capacity.aws,
    dynamodbLocal: m.capacity.dynamodbLocal,
    stored: m.result.completion?.totals.stored ?? 0,
    duplicates: m.result.completion?.totals.duplicates ?? 0,
    wallMs: m.wallMs,
    chunks: m.result.chunks,
    settledDays: m.result.settledDays,
    pageWriteUnits: partitions.unitsByClass['E'] ?? 0,
    pageReadUnits: partitions.readUnitsByClass['E'] ?? 0,
    pagesWritten: partitions.pagesWritten,
    kpi: {
      requests: kpi.capacity.requests,
      aws: kpi.capacity.aws,
      dynamodbLocal: kpi.capacity.dynamodbLocal,
    },
  };
}

/** The source design's dedupe and write for one dump. */
export async function runBaseline(
  bench: BenchClient,
  tableName: string,
  dump: DecodedDump,
): Promise<BaselineFigures> {
  const m = await metered(bench, () =>
    ingestBaseline(
      // The source reads the 45 days before it processes the upload, i.e. right after createdAt.
      { dynamodb: bench.dynamodb, tableName, now: DEFAULT_NOW, windowEnd: dump.header.createdAt },
      dump,
    ),
  );
  return {
    requests: m.capacity.requests,
    aws: m.capacity.aws,
    dynamodbLocal: m.capacity.dynamodbLocal,
    stored: m.result.stored,
    duplicates: m.result.duplicates,
    wallMs: m.wallMs,
    itemsRead: m.result.itemsRead,
    daysRead: m.result.daysRead,
    emptyQueries: m.result.emptyQueries,
  };
}

/** Stores a history dump on both paths without measuring it: the project's path, the source design's items. */
export async function loadHistory(
  bench: BenchClient,
  tables: Tables,
  dump: DecodedDump,
  key: string,
  chunkConcurrency: number,
): Promise<void> {
  await benchIngest(bench, tables.projectTable, dump, { key, chunkConcurrency });
  await loadBaseline(
    { dynamodb: bench.dynamodb, tableName: tables.baselineTable, now: DEFAULT_NOW, writeConcurrency: 16 },
    dump,
  );
}
