import { formatDay } from '../lambdas/core/dump/days';
import type { GeneratedDump } from './build';
import type { FleetDump, FleetPlan, FleetSummary } from './fleet';
import type { ResolvedFleetOptions } from './fleet-options';
import type { UploadKind } from './plan';

/**
 * manifest.json of a written fleet workload: what a benchmark needs about every dump without
 * decoding it. Days are YYYY-MM-DD (UTC), times ISO 8601, files relative to the manifest.
 */

export const FLEET_MANIFEST_FORMAT = 'dumpflow-fleet/1';

export interface FleetManifestDevice {
  readonly deviceId: string;
  readonly patientId: string;
  readonly cadenceDays: number;
  readonly historyDays: number;
  readonly firstDay: string;
  readonly historyCreatedAt: string;
}

export interface FleetManifestHistoryDump {
  readonly file: string;
  readonly deviceId: string;
  readonly patientId: string;
  readonly firstDay: string;
  readonly lastDay: string;
  readonly createdAt: string;
  readonly records: number;
}

export interface FleetManifestUpload extends FleetManifestHistoryDump {
  readonly kind: UploadKind;
  readonly windowDays: number;
  readonly previousUploadAt: string;
  /** Records in neither the device's history nor its earlier uploads. */
  readonly newEvents: number;
}

export interface FleetManifest {
  readonly format: typeof FLEET_MANIFEST_FORMAT;
  readonly options: ResolvedFleetOptions;
  readonly period: { readonly start: string; readonly end: string };
  readonly summary: FleetSummary;
  readonly devices: readonly FleetManifestDevice[];
  /** Device by device, oldest first: load all of them before the uploads. */
  readonly history: readonly FleetManifestHistoryDump[];
  /** In time order: the measured stream. */
  readonly uploads: readonly FleetManifestUpload[];
}

const iso = (ms: number) => new Date(ms).toISOString();

export function historyEntry(dump: GeneratedDump, file: string): FleetManifestHistoryDump {
  return {
    file,
    deviceId: dump.deviceId,
    patientId: dump.patientId,
    firstDay: formatDay(dump.firstDay),
    lastDay: formatDay(dump.lastDay),
    createdAt: iso(dump.createdAt),
    records: dump.events,
  };
}

export function uploadEntry(dump: FleetDump, file: string): FleetManifestUpload {
  return {
    ...historyEntry(dump, file),
    kind: dump.kind,
    windowDays: dump.windowDays,
    previousUploadAt: iso(dump.previousUploadAt),
    newEvents: dump.newEvents,
  };
}

export function fleetManifest(
  plan: FleetPlan,
  summary: FleetSummary,
  history: readonly FleetManifestHistoryDump[],
  uploads: readonly FleetManifestUpload[],
): FleetManifest {
  return {
    format: FLEET_MANIFEST_FORMAT,
    options: plan.options,
    period: { start: iso(plan.periodStart), end: iso(plan.periodEnd) },
    summary,
    devices: plan.devices.map((device) => ({
      deviceId: device.deviceId,
      patientId: device.patientId,
      cadenceDays: device.cadenceDays,
      historyDays: device.historyDays,
      firstDay: formatDay(device.firstDay),
      historyCreatedAt: iso(device.historyCreatedAt),
    })),
    history,
    uploads,
  };
}
