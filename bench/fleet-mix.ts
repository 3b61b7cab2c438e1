/**
 * The steady-state fleet scenario (issue 13): a fleet of devices with stored histories, each
 * uploading on its cadence (generator/fleet.ts). The part of the history the measured uploads can
 * see is loaded first on both paths and not measured (fleet-history.ts); then every upload of
 * the period goes through the project's path and the source design's, same dumps, same DynamoDB
 * Local, and is recorded one by one (what `dumpflow plan` and its cross-check are built from).
 */
import {
  countNewEvents,
  DEFAULT_NOW,
  buildDump,
  planFleet,
  resolveOptions,
  type UploadKind,
} from '../generator';
import { decodeDump } from '../lambdas/core/dump';
import type { BenchClient } from './bench-client';
import { fleetStorageFigures, type FleetStorageFigures } from './fleet-storage';
import { visibleHistory } from './fleet-history';
import { KindTally, ratiosOf, type KindFigures, type Ratios } from './kinds';
import {
  loadHistory,
  runBaseline,
  runProject,
  type BaselineFigures,
  type ProjectFigures,
  type Tables,
} from './paths';

const MS_PER_DAY = 86_400_000;

export interface FleetScale {
  readonly devices: number;
  readonly periodDays: number;
  readonly eventsPerDay: number;
  readonly seed: number;
  readonly chunkConcurrency: number;
}

/** One measured upload: what it was and what each path did with it. */
export interface FleetUploadRecord {
  readonly kind: UploadKind;
  readonly coverageDays: number;
  /** Days since the device's previous upload. */
  readonly gapDays: number;
  readonly records: number;
  /** Records the generator counts as new (neither in the history nor in an earlier upload). */
  readonly newEvents: number;
  readonly dumpBytes: number;
  readonly project: ProjectFigures;
  readonly baseline: BaselineFigures;
}

export interface FleetComparison {
  readonly scenario: 'fleet';
  readonly scale: FleetScale;
  readonly history: {
    readonly dumps: number;
    readonly records: number;
    readonly days: number;
    readonly loadSeconds: number;
  };
  readonly uploads: readonly FleetUploadRecord[];
  readonly shares: Record<UploadKind, number>;
  readonly byKind: Partial<Record<UploadKind, KindFigures>>;
  readonly total: KindFigures;
  readonly ratios: Ratios;
  readonly meanDaysSincePreviousUpload: number;
  /** Both paths stored the same events, and as many as the generator says are new. */
  readonly sameStoredCount: boolean;
  readonly storedMatchesGenerator: boolean;
  readonly storage: FleetStorageFigures;
}

/** Loads the visible history on both paths, then measures every upload of the period. */
export async function compareFleet(
  bench: BenchClient,
  tables: Tables,
  scale: FleetScale,
  log: (line: string) => void,
): Promise<FleetComparison> {
  const plan = planFleet({
    devices: scale.devices,
    periodDays: scale.periodDays,
    eventsPerDay: scale.eventsPerDay,
    seed: scale.seed,
    now: DEFAULT_NOW,
  });
  const dumpOptions = resolveOptions({ seed: scale.seed, eventsPerDay: scale.eventsPerDay });
  const history = visibleHistory(plan);
  const loadStart = performance.now();
  let historyRecords = 0;
  for (const part of history) {
    const dump = decodeDump(buildDump(part, dumpOptions).bytes);
    historyRecords += dump.events.length;
    await loadHistory(bench, tables, dump, `fleet/history/${part.fileName}`, scale.chunkConcurrency);
  }
  const loadSeconds = (performance.now() - loadStart) / 1000;
  log(
    `fleet: history loaded (${history.length} dumps, ${historyRecords} records, not measured) in ${loadSeconds.toFixed(0)} s; ${plan.uploads.length} uploads to measure`,
  );

  const tally = new KindTally();
  const uploads: FleetUploadRecord[] = [];
  for (const upload of plan.uploads) {
    const built = buildDump(upload, dumpOptions);
    const dump = decodeDump(built.bytes);
    const project = await runProject(bench, tables.projectTable, dump, {
      chunkConcurrency: scale.chunkConcurrency,
      key: `fleet/uploads/${upload.fileName}`,
    });
    const baseline = await runBaseline(bench, tables.baselineTable, dump);
    const record: FleetUploadRecord = {
      kind: upload.kind,
      coverageDays: upload.coverageDays,
      gapDays: (upload.createdAt - upload.previousUploadAt) / MS_PER_DAY,
      records: dump.events.length,
      newEvents: countNewEvents(plan, upload),
      dumpBytes: built.bytes.length,
      project,
      baseline,
    };
    uploads.push(record);
    tally.add(upload.kind, { days: upload.coverageDays, records: record.records, project, baseline });
    log(
      `fleet ${uploads.length}/${plan.uploads.length} ${upload.kind} (${upload.coverageDays} d): new ${record.newEvents}, stored ${project.stored} / ${baseline.stored}; RCU ${project.aws.readUnits} vs ${baseline.aws.readUnits}; wall ${(project.wallMs / 1000).toFixed(2)} s vs ${(baseline.wallMs / 1000).toFixed(2)} s`,
    );
  }
  const { total } = tally;
  return {
    scenario: 'fleet',
    scale,
    history: {
      dumps: history.length,
      records: historyRecords,
      days: history.reduce((n, h) => n + h.coverageDays, 0),
      loadSeconds,
    },
    uploads,
    shares: tally.shares(),
    byKind: tally.byKind,
    total,
    ratios: ratiosOf(total),
    meanDaysSincePreviousUpload: uploads.reduce((n, u) => n + u.gapDays, 0) / Math.max(1, uploads.length),
    sameStoredCount: total.project.stored === total.baseline.stored,
    storedMatchesGenerator: uploads.every((u) => u.project.stored === u.newEvents),
    storage: await fleetStorageFigures(bench, tables.projectTable, uploads, 'L#bench/fleet/uploads/'),
  };
}
