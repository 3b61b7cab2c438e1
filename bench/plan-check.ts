/**
 * Cross-check of `dumpflow plan` (issue 13): a simulated minute of the fleet, N uploads drawn from
 * the same mix out of the measured uploads (each kind's uploads picked at random), summed, against
 * the plan's per-minute units for the same fleet. The plan is taken at the run's own conditions
 * (its events per day and cadence), so the two differ only by how the plan averages and scales.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Random, type UploadKind } from '../generator';
import { KINDS } from './kinds';
import { planCapacity, type PlanInput } from './plan-model';
import type { UnitsFile } from './units';

export interface MinuteCheck {
  readonly uploads: number;
  readonly simulated: { readonly readUnits: number; readonly writeUnits: number };
  readonly planned: { readonly readUnits: number; readonly writeUnits: number };
  /** simulated / planned. */
  readonly readRatio: number;
  readonly writeRatio: number;
}

/** The plan input that describes the measured run itself: its events per day and cadence. */
export function measuredConditions(units: UnitsFile, uploadsPerMinute: number): PlanInput {
  const uploadsPerPatientPerDay = 1 / units.meanDaysSincePreviousUpload;
  return {
    eventsPerDay: units.eventsPerDay,
    uploadsPerPatientPerDay,
    patients: Math.round((uploadsPerMinute * 1440) / uploadsPerPatientPerDay),
  };
}

export function simulateMinute(
  units: UnitsFile,
  options: {
    readonly uploadsPerMinute?: number;
    readonly mix?: readonly [number, number, number];
    readonly seed?: number;
  } = {},
): MinuteCheck {
  const n = options.uploadsPerMinute ?? 140;
  const mix = options.mix ?? [70, 20, 10];
  const random = new Random(options.seed ?? 1);
  const total = mix[0] + mix[1] + mix[2];
  const byKind = new Map<UploadKind, UnitsFile['uploads']>(
    KINDS.map((k) => [k, units.uploads.filter((u) => u.kind === k)]),
  );
  let readUnits = 0;
  let writeUnits = 0;
  for (let k = 0; k < n; k++) {
    const r = random.next() * total;
    const kind: UploadKind = r < mix[0] ? 'week' : r < mix[0] + mix[1] ? 'quarter' : 'year';
    const pool = byKind.get(kind)!;
    if (pool.length === 0) throw new RangeError(`the units file has no measured ${kind} upload`);
    const u = pool[random.int(0, pool.length - 1)]!;
    readUnits += u.project.readUnits + u.kpi.readUnits;
    writeUnits += u.project.writeUnits + u.kpi.writeUnits;
  }
  const plan = planCapacity(units, { ...measuredConditions(units, n), dumpsPerMinute: n, mix });
  const planned = {
    readUnits: plan.dynamodb.readUnitsPerSecond.average * 60,
    writeUnits: plan.dynamodb.writeUnitsPerSecond.average * 60,
  };
  return {
    uploads: n,
    simulated: { readUnits, writeUnits },
    planned,
    readRatio: readUnits / planned.readUnits,
    writeRatio: writeUnits / planned.writeUnits,
  };
}

/**
 * `npx tsx bench/plan-check.ts [--units FILE] [--seeds 1000]`: the minute of seed 1, and how many
 * of `seeds` simulated minutes agree with the plan within 10% (reads and writes both).
 */
if (require.main === module) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const file = arg('--units') ?? join(__dirname, 'results', 'fleet-units.json');
  const seeds = Number(arg('--seeds') ?? 1000);
  const units = JSON.parse(readFileSync(file, 'utf8')) as UnitsFile;
  let within = 0;
  let worst = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const minute = simulateMinute(units, { seed });
    const off = Math.max(Math.abs(minute.readRatio - 1), Math.abs(minute.writeRatio - 1));
    worst = Math.max(worst, off);
    if (off < 0.1) within++;
  }
  process.stdout.write(
    `${JSON.stringify({ units: file, seed1: simulateMinute(units, { seed: 1 }), seeds, within10Percent: within, worstDeviation: worst }, null, 2)}\n`,
  );
}
