/**
 * The measured fleet run `dumpflow plan` models AWS from, upload by upload: written by
 * `npx tsx bench/mix.ts --units-out bench/results/fleet-units.json` (or `dumpflow bench
 * --units-out`) and committed, so the plan's figures come from a named run rather than guesses.
 */
import type { UploadKind } from '../generator';
import type { BenchMachine } from './compare';
import type { FleetComparison, FleetScale } from './fleet-mix';
import type { FleetStorageFigures } from './fleet-storage';

export const UNITS_FORMAT = 'dumpflow-fleet-units/1';

/** Units as AWS bills them, except where marked DynamoDB Local. */
export interface UploadUnits {
  readonly kind: UploadKind;
  readonly coverageDays: number;
  /** Days since the device's previous upload. */
  readonly gapDays: number;
  readonly records: number;
  readonly dumpBytes: number;
  readonly project: {
    readonly stored: number;
    readonly chunks: number;
    readonly requests: number;
    readonly readUnits: number;
    readonly writeUnits: number;
    /** The part of readUnits / writeUnits on event pages (E# keys). */
    readonly pageReadUnits: number;
    readonly pageWriteUnits: number;
    readonly dynamodbLocalReadUnits: number;
    readonly dynamodbLocalWriteUnits: number;
  };
  /** The KPI function's recompute of the upload's patient-device. */
  readonly kpi: { readonly requests: number; readonly readUnits: number; readonly writeUnits: number };
  readonly baseline: {
    readonly stored: number;
    readonly requests: number;
    readonly readUnits: number;
    readonly writeUnits: number;
    readonly dynamodbLocalReadUnits: number;
    /** Days it read (10 salted Queries each). */
    readonly daysRead: number;
  };
}

export interface UnitsFile {
  readonly format: typeof UNITS_FORMAT;
  readonly source: {
    readonly command: string;
    readonly startedAt: string;
    readonly machine: string;
    readonly loadAverage: { readonly start: number; readonly end: number };
    readonly note: string;
  };
  /** Events per device-day of the run (event-proportional figures scale from it). */
  readonly eventsPerDay: number;
  readonly fleet: Omit<FleetScale, 'chunkConcurrency' | 'eventsPerDay'>;
  readonly meanDaysSincePreviousUpload: number;
  /** Events the run stored per day since a device's previous upload: the fleet's new events per device-day. */
  readonly storedPerDeviceDay: number;
  readonly chunkMessageBytesPerEvent: number;
  readonly storage: Omit<FleetStorageFigures, 'table'>;
  readonly uploads: readonly UploadUnits[];
}

export function uploadUnits(fleet: FleetComparison): UploadUnits[] {
  return fleet.uploads.map((u) => ({
    kind: u.kind,
    coverageDays: u.coverageDays,
    gapDays: u.gapDays,
    records: u.records,
    dumpBytes: u.dumpBytes,
    project: {
      stored: u.project.stored,
      chunks: u.project.chunks,
      requests: u.project.requests,
      readUnits: u.project.aws.readUnits,
      writeUnits: u.project.aws.writeUnits,
      pageReadUnits: u.project.pageReadUnits,
      pageWriteUnits: u.project.pageWriteUnits,
      dynamodbLocalReadUnits: u.project.dynamodbLocal.readUnits,
      dynamodbLocalWriteUnits: u.project.dynamodbLocal.writeUnits,
    },
    kpi: {
      requests: u.project.kpi.requests,
      readUnits: u.project.kpi.aws.readUnits,
      writeUnits: u.project.kpi.aws.writeUnits,
    },
    baseline: {
      stored: u.baseline.stored,
      requests: u.baseline.requests,
      readUnits: u.baseline.aws.readUnits,
      writeUnits: u.baseline.aws.writeUnits,
      dynamodbLocalReadUnits: u.baseline.dynamodbLocal.readUnits,
      daysRead: u.baseline.daysRead,
    },
  }));
}

export function unitsFile(
  fleet: FleetComparison,
  meta: {
    readonly command: string;
    readonly startedAt: string;
    readonly machine: BenchMachine;
    readonly chunkMessageBytesPerEvent: number;
  },
): UnitsFile {
  const m = meta.machine;
  const s = fleet.storage;
  const storage: UnitsFile['storage'] = {
    streamPages: s.streamPages,
    pageDataBytesPerEvent: s.pageDataBytesPerEvent,
    pageFixedBytes: s.pageFixedBytes,
    streamPageBilledBytesPerEvent: s.streamPageBilledBytesPerEvent,
    summaryBilledBytes: s.summaryBilledBytes,
    perPatientDeviceBilledBytes: s.perPatientDeviceBilledBytes,
    ledgerBilledBytesPerUpload: s.ledgerBilledBytesPerUpload,
  };
  const gapDays = fleet.uploads.reduce((sum, u) => sum + u.gapDays, 0);
  return {
    format: UNITS_FORMAT,
    source: {
      command: meta.command,
      startedAt: meta.startedAt,
      machine: `${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.platform}, Node ${m.node}`,
      loadAverage: { start: m.loadAverageAtStart, end: m.loadAverageAtEnd },
      note: `steady-state fleet: ${fleet.scale.devices} devices over ${fleet.scale.periodDays} day(s) at ${fleet.scale.eventsPerDay} events per device-day, history loaded first (not measured)`,
    },
    eventsPerDay: fleet.scale.eventsPerDay,
    fleet: { devices: fleet.scale.devices, periodDays: fleet.scale.periodDays, seed: fleet.scale.seed },
    meanDaysSincePreviousUpload: fleet.meanDaysSincePreviousUpload,
    storedPerDeviceDay: gapDays > 0 ? fleet.total.project.stored / gapDays : 0,
    chunkMessageBytesPerEvent: meta.chunkMessageBytesPerEvent,
    storage,
    uploads: uploadUnits(fleet),
  };
}
