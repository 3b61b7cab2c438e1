/**
 * The measured per-upload units `dumpflow plan` models AWS from: written by
 * `dumpflow bench --units-out bench/results/units.json` and committed, so the plan's figures come
 * from a named run rather than from guesses.
 */
import type { UploadKind } from '../generator';
import type { CompareBenchResult } from './compare';

export interface PathUnits {
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly requests: number;
  readonly stored: number;
}

export interface KindUnits {
  /** Uploads of this kind measured in the mix. */
  readonly uploads: number;
  /** Per upload, on average. */
  readonly days: number;
  readonly records: number;
  readonly chunks: number;
  readonly project: PathUnits;
  readonly baseline: PathUnits;
}

export interface UnitsFile {
  readonly source: {
    readonly command: string;
    readonly startedAt: string;
    readonly machine: string;
    readonly eventsPerDay: number;
    readonly note: string;
  };
  /** Events per device-day of the run (scale event-proportional figures from it). */
  readonly eventsPerDay: number;
  readonly chunkMessageBytesPerEvent: number;
  /** Average units per upload of each kind, from the overlapping-upload mix. */
  readonly perUpload: Partial<Record<UploadKind, KindUnits>>;
}

const per = (value: number, uploads: number) => value / uploads;

/** What a units file is made from: a whole bench result, or the mix alone (bench/mix.ts). */
export type UnitsSource = Pick<
  CompareBenchResult,
  'mix' | 'machine' | 'command' | 'startedAt' | 'note' | 'chunkMessageBytesPerEvent'
> & { readonly scale: Pick<CompareBenchResult['scale'], 'eventsPerDay'> };

export function unitsFile(result: UnitsSource): UnitsFile {
  const perUpload: Partial<Record<UploadKind, KindUnits>> = {};
  for (const kind of ['week', 'quarter', 'year'] as const) {
    const k = result.mix.byKind[kind];
    if (k === undefined || k.uploads === 0) continue;
    const path = (p: PathUnits): PathUnits => ({
      readUnits: per(p.readUnits, k.uploads),
      writeUnits: per(p.writeUnits, k.uploads),
      requests: per(p.requests, k.uploads),
      stored: per(p.stored, k.uploads),
    });
    perUpload[kind] = {
      uploads: k.uploads,
      days: per(k.days, k.uploads),
      records: per(k.records, k.uploads),
      chunks: per(k.project.chunks, k.uploads),
      project: path(k.project),
      baseline: path(k.baseline),
    };
  }
  const m = result.machine;
  return {
    source: {
      command: `${result.command} --units-out bench/results/units.json`,
      startedAt: result.startedAt,
      machine: `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.platform}, Node ${m.node}`,
      eventsPerDay: result.scale.eventsPerDay,
      note: result.note,
    },
    eventsPerDay: result.scale.eventsPerDay,
    chunkMessageBytesPerEvent: result.chunkMessageBytesPerEvent,
    perUpload,
  };
}
