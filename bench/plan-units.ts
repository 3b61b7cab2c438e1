/**
 * What `dumpflow plan` takes from a measured fleet run (bench/results/fleet-units.json): the
 * model's parameters, each a plain average or a least-squares line over the measured uploads,
 * so the plan's per-upload units can be recomputed from the printed parameters. Pure.
 */
import type { UploadKind } from '../generator';
import { KINDS } from './kinds';
import type { UnitsFile, UploadUnits } from './units';

/** Per upload of one kind, averaged over the measured uploads of that kind. */
export interface KindParameters {
  readonly uploads: number;
  /** Project reads outside the event pages: the parser's summary Query over the upload's days, GetItems, completion. */
  readonly otherReadUnits: number;
  /** The source design's reads, and the days it reads (10 Queries each, at least 1 unit per Query). */
  readonly baselineReadUnits: number;
  readonly baselineDaysRead: number;
  readonly dumpBytes: number;
  readonly records: number;
}

export interface ModelParameters {
  readonly measuredEventsPerDay: number;
  readonly measuredUploads: number;
  /** Mean days since a device's previous upload in the measured run. */
  readonly meanGapDays: number;
  /** New events per device-day: stored events / days since the previous upload, summed over uploads. */
  readonly storedPerDeviceDay: number;
  /** Write units (AWS) on event pages per stored event. */
  readonly pageWriteUnitsPerStoredEvent: number;
  /** Other writes (ledger, plan, device, leases, summaries, chunk outcomes) = perUpload + perChunk x chunks. */
  readonly otherWrites: { readonly perUpload: number; readonly perChunk: number };
  /** Chunks per day with new events (a gap of g days touches about g + 1 days). */
  readonly chunksPerTouchedDay: number;
  /** Page reads per upload (the partly stored day's pages, read before the commit). */
  readonly pageReadUnitsPerUpload: number;
  readonly kpiPerUpload: {
    readonly readUnits: number;
    readonly writeUnits: number;
    readonly requests: number;
  };
  readonly byKind: Partial<Record<UploadKind, KindParameters>>;
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: readonly number[]) => (xs.length === 0 ? 0 : sum(xs) / xs.length);

/**
 * Least squares y = a + b x. A negative a or b (too few or too alike points to separate them)
 * falls back to the line through the origin and the means, b = mean(y) / mean(x).
 */
export function fitLine(xs: readonly number[], ys: readonly number[]): { a: number; b: number } {
  const mx = mean(xs);
  const my = mean(ys);
  let sxx = 0;
  let sxy = 0;
  xs.forEach((x, i) => {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (ys[i]! - my);
  });
  if (sxx > 0) {
    const b = sxy / sxx;
    const a = my - b * mx;
    if (a >= 0 && b >= 0) return { a, b };
  }
  return { a: 0, b: mx > 0 ? my / mx : 0 };
}

function kindParameters(uploads: readonly UploadUnits[]): KindParameters {
  return {
    uploads: uploads.length,
    otherReadUnits: mean(uploads.map((u) => u.project.readUnits - u.project.pageReadUnits)),
    baselineReadUnits: mean(uploads.map((u) => u.baseline.readUnits)),
    baselineDaysRead: mean(uploads.map((u) => u.baseline.daysRead)),
    dumpBytes: mean(uploads.map((u) => u.dumpBytes)),
    records: mean(uploads.map((u) => u.records)),
  };
}

export function modelParameters(units: UnitsFile): ModelParameters {
  const u = units.uploads;
  if (u.length === 0) throw new RangeError('the units file holds no measured upload; rerun bench/mix.ts');
  const stored = sum(u.map((x) => x.project.stored));
  const other = fitLine(
    u.map((x) => x.project.chunks),
    u.map((x) => x.project.writeUnits - x.project.pageWriteUnits),
  );
  const byKind: Partial<Record<UploadKind, KindParameters>> = {};
  for (const kind of KINDS) {
    const ofKind = u.filter((x) => x.kind === kind);
    if (ofKind.length > 0) byKind[kind] = kindParameters(ofKind);
  }
  return {
    measuredEventsPerDay: units.eventsPerDay,
    measuredUploads: u.length,
    meanGapDays: mean(u.map((x) => x.gapDays)),
    storedPerDeviceDay: stored / sum(u.map((x) => x.gapDays)),
    pageWriteUnitsPerStoredEvent: stored > 0 ? sum(u.map((x) => x.project.pageWriteUnits)) / stored : 0,
    otherWrites: { perUpload: other.a, perChunk: other.b },
    chunksPerTouchedDay: sum(u.map((x) => x.project.chunks)) / sum(u.map((x) => x.gapDays + 1)),
    pageReadUnitsPerUpload: mean(u.map((x) => x.project.pageReadUnits)),
    kpiPerUpload: {
      readUnits: mean(u.map((x) => x.kpi.readUnits)),
      writeUnits: mean(u.map((x) => x.kpi.writeUnits)),
      requests: mean(u.map((x) => x.kpi.requests)),
    },
    byKind,
  };
}
