/**
 * The "first-upload mix" scenario: what `dumpflow generate` makes, devices with two overlapping
 * uploads each and nothing stored before them, so half of the uploads are a device's very first
 * (every event new, nothing for the source design to read back). Kept as the second named
 * scenario next to the steady-state fleet (fleet-mix.ts).
 */
import { generateDumps, type UploadKind } from '../generator';
import { decodeDump } from '../lambdas/core/dump';
import type { BenchClient } from './bench-client';
import { KindTally, ratiosOf, type KindFigures, type Ratios } from './kinds';
import { runBaseline, runProject, type Tables } from './paths';

export interface FirstUploadMixScale {
  readonly devices: number;
  readonly uploadsPerDevice: number;
  readonly eventsPerDay: number;
  /** Generator seed; 12 gives 9 week, 2 quarter and 1 year uploads for 6x2 (75:17:8), as before. */
  readonly seed: number;
  readonly chunkConcurrency: number;
}

export interface FirstUploadMixComparison {
  readonly scenario: 'first-upload mix';
  readonly scale: FirstUploadMixScale;
  readonly uploads: number;
  readonly shares: Record<UploadKind, number>;
  readonly byKind: Partial<Record<UploadKind, KindFigures>>;
  readonly total: KindFigures;
  readonly ratios: Ratios;
  /** Both paths stored the same events (the same result). */
  readonly sameStoredCount: boolean;
}

export async function compareFirstUploadMix(
  bench: BenchClient,
  tables: Tables,
  scale: FirstUploadMixScale,
  log: (line: string) => void,
): Promise<FirstUploadMixComparison> {
  const tally = new KindTally();
  for (const generated of generateDumps({
    devices: scale.devices,
    uploadsPerDevice: scale.uploadsPerDevice,
    eventsPerDay: scale.eventsPerDay,
    // Device indices 0..; the seed's mix depends on them (the single dumps use 1,000.., the fleet its own tables).
    firstDevice: 0,
    seed: scale.seed,
  })) {
    const dump = decodeDump(generated.bytes);
    const project = await runProject(bench, tables.projectTable, dump, {
      chunkConcurrency: scale.chunkConcurrency,
      kpis: false,
    });
    const baseline = await runBaseline(bench, tables.baselineTable, dump);
    tally.add(generated.kind, {
      days: generated.coverageDays,
      records: dump.events.length,
      project,
      baseline,
    });
  }
  const { total } = tally;
  const ratios = ratiosOf(total);
  log(
    `first-upload mix: ${total.uploads} uploads: RCU ${total.project.aws.readUnits.toFixed(0)} vs ${total.baseline.aws.readUnits.toFixed(0)} as AWS bills them (${ratios.readUnitsRatio?.toFixed(0)}x), stored ${total.project.stored} vs ${total.baseline.stored}`,
  );
  return {
    scenario: 'first-upload mix',
    scale,
    uploads: total.uploads,
    shares: tally.shares(),
    byKind: tally.byKind,
    total,
    ratios,
    sameStoredCount: total.project.stored === total.baseline.stored,
  };
}
