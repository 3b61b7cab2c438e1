/**
 * Sums of per-upload figures, per upload kind and in total, and the ratios between the two paths.
 * Pure: the upload-mix scenarios (first-upload-mix.ts, fleet-mix.ts) feed it one upload at a time.
 */
import type { UploadKind } from '../generator';
import type { BaselineFigures, ProjectFigures } from './paths';

export interface KindFigures {
  readonly uploads: number;
  /** Days the uploads cover, summed. */
  readonly days: number;
  readonly records: number;
  readonly project: ProjectFigures;
  readonly baseline: BaselineFigures;
}

export interface Ratios {
  /** baseline / project read units as AWS bills them (the headline). */
  readonly readUnitsRatio: number | null;
  /** The same as DynamoDB Local counts them (it bills the baseline's empty Queries 0). */
  readonly readUnitsRatioDynamodbLocal: number | null;
  readonly writeUnitsRatio: number | null;
  readonly requestsRatio: number | null;
  /** baseline wall / project wall: how many times faster the project is. */
  readonly speedup: number | null;
}

export const KINDS: readonly UploadKind[] = ['week', 'quarter', 'year'];

type Numeric = number | { readonly [key: string]: Numeric };

/** Field-by-field sum of two objects of the same all-number shape. */
export function addNumbers<T>(a: T, b: T): T {
  if (typeof a === 'number') return (a + (b as number)) as T;
  const out: Record<string, Numeric> = {};
  for (const [key, value] of Object.entries(a as Record<string, Numeric>)) {
    out[key] = addNumbers(value, (b as Record<string, Numeric>)[key] ?? zeroOf(value));
  }
  return out as T;
}

function zeroOf<T>(value: T): T {
  if (typeof value === 'number') return 0 as T;
  return Object.fromEntries(
    Object.entries(value as Record<string, Numeric>).map(([k, v]) => [k, zeroOf(v)]),
  ) as T;
}

const units = () => ({ readUnits: 0, writeUnits: 0 });
const path = () => ({
  requests: 0,
  aws: units(),
  dynamodbLocal: units(),
  stored: 0,
  duplicates: 0,
  wallMs: 0,
});

export function emptyKind(): KindFigures {
  return {
    uploads: 0,
    days: 0,
    records: 0,
    project: {
      ...path(),
      chunks: 0,
      settledDays: 0,
      pageWriteUnits: 0,
      pageReadUnits: 0,
      pagesWritten: { items: 0, bytes: 0, dataBytes: 0, events: 0 },
      kpi: { requests: 0, aws: units(), dynamodbLocal: units() },
    },
    baseline: { ...path(), itemsRead: 0, daysRead: 0, emptyQueries: 0 },
  };
}

export function addUpload(
  into: KindFigures,
  upload: { days: number; records: number; project: ProjectFigures; baseline: BaselineFigures },
): KindFigures {
  return addNumbers(into, { uploads: 1, ...upload });
}

const ratio = (baseline: number, project: number): number | null => (project > 0 ? baseline / project : null);

export function ratiosOf(k: Pick<KindFigures, 'project' | 'baseline'>): Ratios {
  const { project: p, baseline: b } = k;
  return {
    readUnitsRatio: ratio(b.aws.readUnits, p.aws.readUnits),
    readUnitsRatioDynamodbLocal: ratio(b.dynamodbLocal.readUnits, p.dynamodbLocal.readUnits),
    writeUnitsRatio: ratio(b.aws.writeUnits, p.aws.writeUnits),
    requestsRatio: ratio(b.requests, p.requests),
    speedup: ratio(b.wallMs, p.wallMs),
  };
}

/** Per kind and total, from uploads in any order. */
export class KindTally {
  total = emptyKind();
  readonly byKind: Partial<Record<UploadKind, KindFigures>> = {};

  add(kind: UploadKind, upload: Parameters<typeof addUpload>[1]): void {
    this.total = addUpload(this.total, upload);
    this.byKind[kind] = addUpload(this.byKind[kind] ?? emptyKind(), upload);
  }

  shares(): Record<UploadKind, number> {
    const shares = { week: 0, quarter: 0, year: 0 };
    for (const kind of KINDS)
      shares[kind] = (this.byKind[kind]?.uploads ?? 0) / Math.max(1, this.total.uploads);
    return shares;
  }
}
