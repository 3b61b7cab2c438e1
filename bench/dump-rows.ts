/**
 * One dump per length through both paths, uploaded twice (the second time as a new object with
 * the same bytes): a device's very first upload, then a re-upload of what is stored.
 */
import { generateSingleDump } from '../generator';
import { decodeDump } from '../lambdas/core/dump';
import type { DecodedDump } from '../lambdas/core/dump/types';
import type { BenchClient } from './bench-client';
import { ratiosOf, type Ratios } from './kinds';
import { runBaseline, runProject, type BaselineFigures, type ProjectFigures, type Tables } from './paths';

export interface DumpComparison {
  readonly days: number;
  readonly pass: 'first-upload' | 're-upload';
  readonly records: number;
  readonly project: ProjectFigures & {
    /** Write units (AWS) per stored event; null when nothing was stored. */
    readonly writeUnitsPerStoredEvent: number | null;
  };
  readonly baseline: BaselineFigures;
  readonly ratios: Ratios;
}

export async function compareDumps(
  bench: BenchClient,
  tables: Tables,
  options: {
    readonly dumpDays: readonly number[];
    readonly eventsPerDay: number;
    readonly chunkConcurrency: number;
  },
  log: (line: string) => void,
): Promise<{ rows: DumpComparison[]; longest: DecodedDump | undefined }> {
  const rows: DumpComparison[] = [];
  let longest: DecodedDump | undefined;
  for (const [index, days] of options.dumpDays.entries()) {
    const dump = decodeDump(
      generateSingleDump({ days, eventsPerDay: options.eventsPerDay, firstDevice: 1_000 + index }).bytes,
    );
    if (longest === undefined || dump.days.length > longest.days.length) longest = dump;
    for (const pass of ['first-upload', 're-upload'] as const) {
      const project = await runProject(bench, tables.projectTable, dump, {
        chunkConcurrency: options.chunkConcurrency,
        kpis: false,
      });
      const baseline = await runBaseline(bench, tables.baselineTable, dump);
      const row: DumpComparison = {
        days,
        pass,
        records: dump.events.length,
        project: {
          ...project,
          writeUnitsPerStoredEvent: project.stored > 0 ? project.aws.writeUnits / project.stored : null,
        },
        baseline,
        ratios: ratiosOf({ project, baseline }),
      };
      rows.push(row);
      log(formatDumpRow(row));
    }
  }
  return { rows, longest };
}

const fixed = (x: number | null, digits = 1) => (x === null ? '-' : x.toFixed(digits));

export function formatDumpRow(r: DumpComparison): string {
  const p = r.project;
  const b = r.baseline;
  return [
    `${String(r.days).padStart(3)} days ${r.pass.padEnd(12)}`,
    `RCU ${fixed(p.aws.readUnits)} vs ${fixed(b.aws.readUnits)} (${fixed(r.ratios.readUnitsRatio, 0)}x as AWS bills; DynamoDB Local ${fixed(p.dynamodbLocal.readUnits)} vs ${fixed(b.dynamodbLocal.readUnits)})`,
    `WCU ${fixed(p.aws.writeUnits, 0)} vs ${fixed(b.aws.writeUnits, 0)}`,
    `req ${p.requests} vs ${b.requests}`,
    `wall ${(p.wallMs / 1000).toFixed(2)} s vs ${(b.wallMs / 1000).toFixed(2)} s (${fixed(r.ratios.speedup)}x)`,
  ].join(' | ');
}
