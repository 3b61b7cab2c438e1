import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { DEFAULT_NOW, generateDumps } from '../generator';
import { demoWorkload } from '../local/demo-workload';
import type { LocalDump } from '../local/pipeline';
import { CliError, fileError, isFileSystemError } from './errors';

/** What `dumpflow local` runs: its phases, each with its dumps and processing time. */

/** The flags that choose the phases. */
export interface PhaseFlags {
  readonly dumps: readonly string[];
  readonly generate?: number;
  readonly seed?: number;
  readonly days?: number;
  readonly eventsPerDay?: number;
  readonly now?: number;
}

/** One phase to run: where its dumps come from and the processing time it runs at. */
export interface PhasePlan {
  readonly label: string;
  readonly now: number | undefined;
  load(): Promise<LocalDump[]>;
}

async function readDumpDir(dir: string): Promise<LocalDump[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.dump')).sort();
  } catch (error) {
    throw isFileSystemError(error) ? fileError('read', dir, error) : error;
  }
  if (names.length === 0)
    throw new CliError('E_NO_DUMPS', `${dir} holds no *.dump files; give a directory of dumps`);
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name);
      try {
        return { name, bytes: await readFile(file) };
      } catch (error) {
        throw isFileSystemError(error) ? fileError('read', file, error) : error;
      }
    }),
  );
}

/**
 * Phases in run order: the generated one (or, with no options, the demo workload) first, then each
 * --dumps directory. Processing time: --now if given; else a generated phase runs at the
 * generator's clock (its events would otherwise be compared with today and may have expired) and
 * a directory of real dumps at the wall clock.
 */
export function planPhases(flags: PhaseFlags): PhasePlan[] {
  const generatorNow = flags.now ?? DEFAULT_NOW;
  const phases: PhasePlan[] = [];
  if (flags.generate !== undefined) {
    const n = flags.generate;
    phases.push({
      label: `${n} generated`,
      now: generatorNow,
      load: async () =>
        [
          ...generateDumps({
            devices: Math.ceil(n / 2),
            uploadsPerDevice: Math.min(n, 2),
            days: flags.days ?? 7,
            eventsPerDay: flags.eventsPerDay ?? 3000,
            seed: flags.seed ?? 1,
            now: generatorNow,
          }),
        ]
          .slice(0, n)
          .map((dump) => ({ name: dump.fileName, bytes: dump.bytes })),
    });
  }
  for (const dir of flags.dumps) {
    phases.push({ label: dir, now: flags.now, load: () => readDumpDir(dir) });
  }
  if (phases.length === 0) {
    // The demo runs twice on the same state: the second upload of every dump must store nothing.
    const demo = demoWorkload({
      seed: flags.seed ?? 1,
      now: generatorNow,
      ...(flags.eventsPerDay !== undefined && { eventsPerDay: flags.eventsPerDay }),
    });
    phases.push(
      { label: 'demo workload', now: generatorNow, load: async () => demo },
      { label: 'demo workload, uploaded again', now: generatorNow, load: async () => demo },
    );
  }
  return phases;
}
