import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { GeneratedDump } from './build';
import {
  generateFleetHistory,
  generateFleetUploads,
  planFleet,
  summarizeFleet,
  type FleetDump,
  type FleetSummary,
  type FleetUploadCounts,
} from './fleet';
import {
  fleetManifest,
  historyEntry,
  uploadEntry,
  type FleetManifestHistoryDump,
  type FleetManifestUpload,
} from './fleet-manifest';
import type { FleetOptions } from './fleet-options';
import { generateDumps } from './index';
import type { GeneratorOptions } from './options';

/** The generator's I/O: writing generated dumps (and the fleet's manifest) as files. */

export interface WrittenDumps {
  readonly files: readonly string[];
  readonly events: number;
  readonly bytes: number;
}

/** Writes each dump of the upload mix as `<dir>/<deviceId>-<n>.dump`. */
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

export interface WrittenFleet {
  readonly historyFiles: readonly string[];
  readonly uploadFiles: readonly string[];
  readonly manifestFile: string;
  readonly historyEvents: number;
  readonly bytes: number;
  readonly summary: FleetSummary;
}

export type FleetPart = 'history' | 'uploads';

/**
 * Writes the fleet workload: `<dir>/history/` (what the devices had stored before the period),
 * `<dir>/uploads/` (the measured stream) and `<dir>/manifest.json` describing every dump, with
 * uploads in time order. Dumps are built and written one at a time.
 */
export async function writeFleet(
  dir: string,
  options: FleetOptions = {},
  onWritten?: (part: FleetPart, dump: GeneratedDump | FleetDump, file: string) => void,
): Promise<WrittenFleet> {
  const plan = planFleet(options);
  let bytes = 0;
  const write = async (part: FleetPart, dump: GeneratedDump): Promise<string> => {
    const file = path.join(dir, part, dump.fileName);
    await writeFile(file, dump.bytes);
    bytes += dump.bytes.length;
    onWritten?.(part, dump, file);
    return `${part}/${dump.fileName}`;
  };
  await mkdir(path.join(dir, 'history'), { recursive: true });
  await mkdir(path.join(dir, 'uploads'), { recursive: true });

  const history: FleetManifestHistoryDump[] = [];
  let historyEvents = 0;
  for (const dump of generateFleetHistory(plan)) {
    history.push(historyEntry(dump, await write('history', dump)));
    historyEvents += dump.events;
  }
  const uploads: FleetManifestUpload[] = [];
  const counts: FleetUploadCounts[] = [];
  for (const dump of generateFleetUploads(plan)) {
    uploads.push(uploadEntry(dump, await write('uploads', dump)));
    // Only the counts: keeping the dump would keep its bytes.
    const { kind, events, newEvents, createdAt, previousUploadAt } = dump;
    counts.push({ kind, events, newEvents, createdAt, previousUploadAt });
  }
  const summary = summarizeFleet(counts);
  const manifestFile = path.join(dir, 'manifest.json');
  await writeFile(
    manifestFile,
    `${JSON.stringify(fleetManifest(plan, summary, history, uploads), null, 2)}\n`,
  );
  return {
    historyFiles: history.map((entry) => path.join(dir, entry.file)),
    uploadFiles: uploads.map((entry) => path.join(dir, entry.file)),
    manifestFile,
    historyEvents,
    bytes,
    summary,
  };
}
