/**
 * Synthetic MDMP/1 dumps for tests, the local runtime and benchmarks. Pure and deterministic:
 * the same options give the same bytes (no clock, no Math.random).
 */
import { buildDump, type GeneratedDump } from './build';
import { resolveOptions, type GeneratorOptions } from './options';
import { kindOf, planUploads, type UploadPlan } from './plan';

export { buildDump, type GeneratedDump } from './build';
export {
  DEFAULT_NOW,
  GeneratorOptionsError,
  parseMix,
  resolveOptions,
  type GeneratorOptions,
  type ResolvedOptions,
  type UploadMix,
} from './options';
export { deviceIds, kindOf, planDevice, planUploads, type UploadKind, type UploadPlan } from './plan';
export {
  deviceProfile,
  MAX_EVENTS_PER_DAY,
  nightEvents,
  type DeviceProfile,
  type NightEvents,
} from './therapy';
export { hashInts, Random } from './prng';
export {
  countNewEvents,
  generateFleetHistory,
  generateFleetUploads,
  planFleet,
  summarizeFleet,
  WINDOW_DAYS,
  type FleetDevice,
  type FleetDump,
  type FleetPlan,
  type FleetSummary,
  type FleetUpload,
  type FleetUploadCounts,
} from './fleet';
export { historyDumpsOf } from './history';
export {
  FLEET_MANIFEST_FORMAT,
  type FleetManifest,
  type FleetManifestDevice,
  type FleetManifestHistoryDump,
  type FleetManifestUpload,
} from './fleet-manifest';
export {
  parseDayRange,
  parseShare,
  resolveFleetOptions,
  type DayRange,
  type FleetOptions,
  type ResolvedFleetOptions,
} from './fleet-options';

/** The planned uploads without building any bytes (cheap; useful to size a run). */
export function plan(options: GeneratorOptions = {}): UploadPlan[] {
  return planUploads(resolveOptions(options));
}

/**
 * Every dump of the run, oldest upload first, built one at a time so a caller writing files or
 * sending them never holds more than one (a year-long dump is ~35 MB).
 */
export function* generateDumps(options: GeneratorOptions = {}): Generator<GeneratedDump> {
  const resolved = resolveOptions(options);
  for (const upload of planUploads(resolved)) yield buildDump(upload, resolved);
}

/**
 * A single upload of one device covering exactly `days` days (default 365) up to `now`, whatever
 * the mix: the benchmarks' "1.1 million events" dump is `generateSingleDump({ eventsPerDay: 3300 })`.
 */
export function generateSingleDump(
  options: Omit<GeneratorOptions, 'devices' | 'uploadsPerDevice' | 'mix'> = {},
): GeneratedDump {
  const resolved = resolveOptions({ ...options, devices: 1, uploadsPerDevice: 1 });
  const [first] = planUploads(resolved);
  const coverageDays = resolved.days;
  return buildDump(
    { ...first!, kind: kindOf(coverageDays), coverageDays, firstDay: first!.lastDay - coverageDays + 1 },
    resolved,
  );
}
