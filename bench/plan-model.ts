/**
 * The capacity side of `dumpflow plan`: a fleet of `patients` devices (one each), each uploading
 * `uploadsPerPatientPerDay` times a day, turned into per-upload units (from the measured fleet run,
 * plan-units.ts), DynamoDB units per second and steady-state storage. Pure arithmetic; every
 * assumption that is not measured is a named input with its default stated here and printed.
 * docs/benchmarks.md gives every formula.
 */
import type { UploadKind } from '../generator';
import { CONTEXT_DEFAULTS } from '../lib/config';
import { ITEM_OVERHEAD_BYTES } from './billed-storage';
import { KINDS } from './kinds';
import { modelParameters, type ModelParameters } from './plan-units';
import type { UnitsFile } from './units';

export interface PlanInput {
  /** Patients, one device each. @default 200,000 */
  readonly patients?: number;
  /** Uploads per minute; sets uploadsPerPatientPerDay = dumpsPerMinute x 1,440 / patients. @default 140 */
  readonly dumpsPerMinute?: number;
  /** Uploads per patient per day; sets dumpsPerMinute when that is not given. */
  readonly uploadsPerPatientPerDay?: number;
  /** Events per device-day with therapy (the generator's eventsPerDay). @default 3000 */
  readonly eventsPerDay?: number;
  /** week:quarter:year shares of uploads. @default [70, 20, 10] */
  readonly mix?: readonly [number, number, number];
  /** Global-table replicas besides the primary table. @default 0 */
  readonly replicas?: number;
  /** Days an event day is kept (the table's TTL: 400). @default 400 */
  readonly retentionDays?: number;
  /** Busiest second / average second. @default 3 (assumption) */
  readonly peakFactor?: number;
  /** Deployed capacity / planned peak. @default 2 (assumption) */
  readonly headroom?: number;
  /** Lambda durations: assumptions, not measured on Lambda. */
  readonly parserSeconds?: number;
  readonly workerSecondsPerChunk?: number;
  readonly kpiSeconds?: number;
  /**
   * CloudWatch Logs bytes: the functions' own lines per upload (the parser's "dump fanned out" and
   * metrics, the worker's "dump complete" and metrics) and per chunk ("chunk processed"), as the
   * local pipeline logs them at INFO, and Lambda's START/END/REPORT lines per invocation.
   * @default 1606, 546 (measured, docs/benchmarks.md) and 420 (assumption)
   */
  readonly logBytesPerUpload?: number;
  readonly logBytesPerChunk?: number;
  readonly platformLogBytesPerInvocation?: number;
}

export type ResolvedPlanInput = Required<Omit<PlanInput, 'mix'>> & {
  readonly mix: readonly [number, number, number];
  readonly parserMemoryMb: number;
  readonly workerMemoryMb: number;
  readonly kpiMemoryMb: number;
  readonly workerBatchSize: number;
  readonly logRetentionDays: number;
  readonly processedRetentionDays: number;
  readonly noncurrentRetentionDays: number;
};

export const TARGET_LOAD = { patients: 200_000, dumpsPerMinute: 140 } as const;
const MAX_CHUNK_EVENTS = 6_000;

export function resolvePlanInput(input: PlanInput): ResolvedPlanInput {
  const patients = input.patients ?? TARGET_LOAD.patients;
  const dumpsPerMinute =
    input.dumpsPerMinute ??
    (input.uploadsPerPatientPerDay !== undefined
      ? (input.uploadsPerPatientPerDay * patients) / 1440
      : TARGET_LOAD.dumpsPerMinute);
  const production = CONTEXT_DEFAULTS.production;
  return {
    patients,
    dumpsPerMinute,
    uploadsPerPatientPerDay: input.uploadsPerPatientPerDay ?? (dumpsPerMinute * 1440) / patients,
    eventsPerDay: input.eventsPerDay ?? 3000,
    mix: input.mix ?? [70, 20, 10],
    replicas: input.replicas ?? 0,
    retentionDays: input.retentionDays ?? 400,
    peakFactor: input.peakFactor ?? 3,
    headroom: input.headroom ?? 2,
    parserSeconds: input.parserSeconds ?? 3,
    workerSecondsPerChunk: input.workerSecondsPerChunk ?? 0.5,
    kpiSeconds: input.kpiSeconds ?? 0.2,
    logBytesPerUpload: input.logBytesPerUpload ?? 1606,
    logBytesPerChunk: input.logBytesPerChunk ?? 546,
    platformLogBytesPerInvocation: input.platformLogBytesPerInvocation ?? 420,
    parserMemoryMb: production.parserMemoryMb,
    workerMemoryMb: production.workerMemoryMb,
    kpiMemoryMb: production.kpiMemoryMb,
    workerBatchSize: production.workerBatchSize,
    logRetentionDays: production.logRetentionDays,
    processedRetentionDays: production.processedRetentionDays,
    noncurrentRetentionDays: production.noncurrentRetentionDays,
  };
}

export interface PathPerUpload {
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly storedEvents: number;
}

export interface PerUpload {
  /** Days since the device's previous upload: 1 / uploadsPerPatientPerDay. */
  readonly gapDays: number;
  readonly chunks: number;
  readonly dumpBytes: number;
  readonly project: PathPerUpload & {
    readonly pageWriteUnits: number;
    readonly otherWriteUnits: number;
    readonly pageReadUnits: number;
    readonly otherReadUnits: number;
  };
  /** The KPI function, once per upload (its patient-device). */
  readonly kpi: { readonly readUnits: number; readonly writeUnits: number };
  readonly baseline: PathPerUpload;
}

export interface Rate {
  readonly average: number;
  readonly peak: number;
}

export interface CapacityPlan {
  readonly input: ResolvedPlanInput;
  readonly parameters: ModelParameters;
  /** eventsPerDay / the run's eventsPerDay: what event-proportional figures are scaled by. */
  readonly eventScale: number;
  readonly uploadsPerSecond: number;
  readonly newEventsPerSecond: number;
  readonly perUpload: PerUpload;
  readonly dynamodb: {
    /** Project (parser, workers) plus the KPI function, as AWS bills them. */
    readonly readUnitsPerSecond: Rate;
    readonly writeUnitsPerSecond: Rate;
    readonly baselineReadUnitsPerSecond: Rate;
  };
  readonly storage: {
    readonly eventsPerDeviceDay: number;
    readonly pagesPerDeviceDay: number;
    readonly billedBytesPerDeviceDay: number;
    readonly billedBytesPerStoredEvent: number;
    readonly perPatientDeviceBytes: number;
    readonly ledgerBytesPerUpload: number;
    /** Primary table at steady state, GB of 2^30 bytes. */
    readonly tableGb: number;
  };
}

/** Mix shares normalised to 1, refusing a kind the run did not measure. */
export function mixShares(
  mix: readonly [number, number, number],
  p: ModelParameters,
): Record<UploadKind, number> {
  const total = mix[0] + mix[1] + mix[2];
  if (!(total > 0)) throw new RangeError('the mix needs a share above 0');
  const shares = { week: mix[0] / total, quarter: mix[1] / total, year: mix[2] / total };
  for (const kind of KINDS) {
    if (shares[kind] > 0 && p.byKind[kind] === undefined) {
      throw new RangeError(
        `the units file has no measured ${kind} upload; rerun bench/mix.ts with more devices`,
      );
    }
  }
  return shares;
}

export function planCapacity(units: UnitsFile, input: PlanInput = {}): CapacityPlan {
  const i = resolvePlanInput(input);
  const p = modelParameters(units);
  const s = i.eventsPerDay / p.measuredEventsPerDay;
  const shares = mixShares(i.mix, p);
  const byMix = (f: (k: NonNullable<ModelParameters['byKind'][UploadKind]>) => number) =>
    KINDS.reduce((acc, kind) => acc + (shares[kind] > 0 ? shares[kind] * f(p.byKind[kind]!) : 0), 0);

  const gapDays = 1 / i.uploadsPerPatientPerDay;
  const newEvents = p.storedPerDeviceDay * s * gapDays;
  const partsPerDay =
    Math.max(1, Math.ceil(i.eventsPerDay / MAX_CHUNK_EVENTS)) /
    Math.max(1, Math.ceil(p.measuredEventsPerDay / MAX_CHUNK_EVENTS));
  const chunks = p.chunksPerTouchedDay * (gapDays + 1) * partsPerDay;
  const pageWriteUnits = p.pageWriteUnitsPerStoredEvent * newEvents;
  const otherWriteUnits = p.otherWrites.perUpload + p.otherWrites.perChunk * chunks;
  const pageReadUnits = p.pageReadUnitsPerUpload * s;
  const otherReadUnits = byMix((k) => k.otherReadUnits);
  const project = {
    readUnits: pageReadUnits + otherReadUnits,
    writeUnits: pageWriteUnits + otherWriteUnits,
    storedEvents: newEvents,
    pageWriteUnits,
    otherWriteUnits,
    pageReadUnits,
    otherReadUnits,
  };
  const kpi = { readUnits: p.kpiPerUpload.readUnits, writeUnits: p.kpiPerUpload.writeUnits };
  // The source reads every stored byte of the days it reads (at least 1 unit per Query) and
  // writes one item (< 1 KB) per new event.
  const baseline = {
    readUnits: byMix((k) => Math.max(10 * k.baselineDaysRead, k.baselineReadUnits * s)),
    writeUnits: newEvents,
    storedEvents: newEvents,
  };
  const perSecond = i.dumpsPerMinute / 60;
  const rate = (perUpload: number): Rate => ({
    average: perUpload * perSecond,
    peak: perUpload * perSecond * i.peakFactor,
  });

  const st = units.storage;
  const eventsPerDeviceDay = p.storedPerDeviceDay * s;
  const pagesPerDeviceDay = chunks * i.uploadsPerPatientPerDay;
  const billedBytesPerDeviceDay =
    pagesPerDeviceDay * (st.pageFixedBytes + ITEM_OVERHEAD_BYTES) +
    st.pageDataBytesPerEvent * eventsPerDeviceDay +
    st.summaryBilledBytes;
  const uploadsPerDay = i.dumpsPerMinute * 1440;
  const tableBytes =
    i.patients * i.retentionDays * billedBytesPerDeviceDay +
    i.patients * st.perPatientDeviceBilledBytes +
    uploadsPerDay * i.retentionDays * st.ledgerBilledBytesPerUpload;
  return {
    input: i,
    parameters: p,
    eventScale: s,
    uploadsPerSecond: perSecond,
    newEventsPerSecond: newEvents * perSecond,
    perUpload: {
      gapDays,
      chunks,
      dumpBytes: byMix((k) => k.dumpBytes) * s,
      project,
      kpi,
      baseline,
    },
    dynamodb: {
      readUnitsPerSecond: rate(project.readUnits + kpi.readUnits),
      writeUnitsPerSecond: rate(project.writeUnits + kpi.writeUnits),
      baselineReadUnitsPerSecond: rate(baseline.readUnits),
    },
    storage: {
      eventsPerDeviceDay,
      pagesPerDeviceDay,
      billedBytesPerDeviceDay,
      billedBytesPerStoredEvent: billedBytesPerDeviceDay / eventsPerDeviceDay,
      perPatientDeviceBytes: st.perPatientDeviceBilledBytes,
      ledgerBytesPerUpload: st.ledgerBilledBytesPerUpload,
      tableGb: tableBytes / 2 ** 30,
    },
  };
}
