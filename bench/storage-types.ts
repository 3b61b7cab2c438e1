import type { BilledUnits } from '../local/aws-billing';
import type { BilledStorage } from './billed-storage';
import type { PartitionReport } from './partition-meter';
import type { DayReadBack, ReadFigures } from './read-back';
import type { TargetCheck } from './targets';

/** One pass of a dump through the project's storage path (bench/storage.ts). */
export interface StoragePass {
  readonly days: number;
  readonly pass: 'fresh' | 're-upload';
  readonly records: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly chunks: number;
  readonly settledDays: number;
  readonly requests: number;
  /** As AWS bills the requests (the headline), and as DynamoDB Local reported them. */
  readonly aws: BilledUnits;
  readonly dynamodbLocal: BilledUnits;
  readonly writeUnitsPerStoredEvent: { readonly aws: number; readonly dynamodbLocal: number } | null;
  readonly wallMs: number;
  /** Parser-side pure work (prepare: sort, dedupe, hash), measured apart, not inside wallMs. */
  readonly prepareMs: number;
  readonly partitions: PartitionReport;
}

export interface DumpFigures {
  readonly days: number;
  readonly fresh: StoragePass;
  readonly reUpload: StoragePass;
  /** The table after the fresh pass (its own table). */
  readonly storage: BilledStorage;
  readonly bytesPerEvent: { readonly perDayItems: number; readonly allItems: number } | null;
  readonly oneDay: DayReadBack;
  readonly wholeRange: ReadFigures;
}

/** The source design's dedupe and write of the same fresh dump, in its own table. */
export interface BaselineRun {
  readonly days: number;
  readonly stored: number;
  readonly emptyQueries: number;
  readonly requests: number;
  readonly aws: BilledUnits;
  readonly dynamodbLocal: BilledUnits;
  readonly wallMs: number;
  readonly readMs: number;
  readonly writeMs: number;
  readonly partitions: PartitionReport;
  readonly bytesPerEvent: { readonly perDayItems: number; readonly allItems: number } | null;
}

export interface StorageBenchResult {
  readonly command: string;
  readonly startedAt: string;
  readonly hashNsPerEvent: number;
  readonly dumps: readonly DumpFigures[];
  /** One device-day at 100x the usual rate (bench/synthetic-days.ts), fresh and re-uploaded. */
  readonly dense: DumpFigures | null;
  readonly baseline: BaselineRun | null;
  /** Source design wall / ours, on the longest fresh dump. */
  readonly freshSpeedupOverBaseline: number | null;
  /** Issue 11's targets this bench measures (the worst of its usual-rate dumps for each). */
  readonly targets: readonly TargetCheck[];
}
