import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { GeneratedDump } from './build';
import { generateDumps } from './index';
import type { GeneratorOptions } from './options';

/** The generator's one I/O helper: writes each dump as `<dir>/<deviceId>-<n>.dump`. */

export interface WrittenDumps {
  readonly files: readonly string[];
  readonly events: number;
  readonly bytes: number;
}

export async function writeDumps(
  dir: string,
  options: GeneratorOptions = {},
  onWritten?: (dump: GeneratedDump, file: string) => void,
): Promise<WrittenDumps> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  let events = 0;
  let bytes = 0;
  for (const dump of generateDumps(options)) {
    const file = path.join(dir, dump.fileName);
    await writeFile(file, dump.bytes);
    files.push(file);
    events += dump.events;
    bytes += dump.bytes.length;
    onWritten?.(dump, file);
  }
  return { files, events, bytes };
}
