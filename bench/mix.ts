/**
 * The upload scenarios alone, at any size, on one DynamoDB Local: the steady-state fleet (history
 * loaded first, not measured; then every upload of the period, project and source design on the
 * same dumps) and the first-upload mix (devices with two overlapping uploads and nothing stored).
 * With --units-out it writes the per-upload units `dumpflow plan` reads (needs the fleet).
 *   npx tsx bench/mix.ts [--scenario fleet|first-upload|both] [--events-per-day 3000]
 *     [--devices 8] [--period-days 3] [--seed 5] [--mix-devices 6] [--uploads-per-device 2] [--mix-seed 12]
 *     [--units-out FILE]
 * Tables on stderr, one JSON object on stdout.
 */
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { generateSingleDump } from '../generator';
import { decodeDump } from '../lambdas/core/dump';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { benchClient } from './bench-client';
import { chunkBytesPerEvent } from './chunk-bytes';
import { benchMachine } from './compare';
import { formatFirstUploadMix, formatFleet } from './compare-format';
import { compareFirstUploadMix, type FirstUploadMixComparison } from './first-upload-mix';
import { compareFleet, type FleetComparison } from './fleet-mix';
import { createBenchTable } from './paths';
import { FULL_SCALE } from './scale';
import { checkTargets } from './targets';
import { unitsFile } from './units';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'both' },
    'events-per-day': { type: 'string' },
    devices: { type: 'string' },
    'period-days': { type: 'string' },
    seed: { type: 'string' },
    'mix-devices': { type: 'string' },
    'uploads-per-device': { type: 'string' },
    'mix-seed': { type: 'string' },
    'units-out': { type: 'string' },
  },
});

function whole(name: string, fallback: number): number {
  const text = values[name as keyof typeof values] as string | undefined;
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} needs a positive whole number, got ${text}`);
  return value;
}

async function main(): Promise<void> {
  const scenario = values.scenario;
  if (scenario !== 'fleet' && scenario !== 'first-upload' && scenario !== 'both') {
    throw new Error(`--scenario must be fleet, first-upload or both, got ${scenario}`);
  }
  if (values['units-out'] !== undefined && scenario === 'first-upload') {
    throw new Error('--units-out needs the fleet scenario');
  }
  const eventsPerDay = whole('events-per-day', FULL_SCALE.eventsPerDay);
  const { chunkConcurrency } = FULL_SCALE;
  const fleetScale = {
    devices: whole('devices', FULL_SCALE.fleet.devices),
    periodDays: whole('period-days', FULL_SCALE.fleet.periodDays),
    seed: whole('seed', FULL_SCALE.fleet.seed),
    eventsPerDay,
    chunkConcurrency,
  };
  const mixScale = {
    devices: whole('mix-devices', FULL_SCALE.firstUploadMix.devices),
    uploadsPerDevice: whole('uploads-per-device', FULL_SCALE.firstUploadMix.uploadsPerDevice),
    seed: whole('mix-seed', FULL_SCALE.firstUploadMix.seed),
    eventsPerDay,
    chunkConcurrency,
  };
  const command = `npx tsx bench/mix.ts ${process.argv.slice(2).join(' ')}`.trim();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const loadAtStart = os.loadavg()[0]!;
  const startedAt = new Date().toISOString();
  const began = performance.now();
  const dynamo = await startDynamoDbLocal({ jvmArgs: ['-Xmx4g'] });
  const bench = benchClient(dynamo.endpoint);
  try {
    const suffix = Date.now().toString(36);
    let fleet: FleetComparison | undefined;
    let firstUploadMix: FirstUploadMixComparison | undefined;
    if (scenario !== 'first-upload') {
      const tables = { projectTable: `fleet-project-${suffix}`, baselineTable: `fleet-baseline-${suffix}` };
      for (const table of Object.values(tables)) await createBenchTable(bench, table);
      fleet = await compareFleet(bench, tables, fleetScale, log);
      log(formatFleet(fleet).join('\n'));
    }
    if (scenario !== 'fleet') {
      const tables = { projectTable: `mix-project-${suffix}`, baselineTable: `mix-baseline-${suffix}` };
      for (const table of Object.values(tables)) await createBenchTable(bench, table);
      firstUploadMix = await compareFirstUploadMix(bench, tables, mixScale, log);
      log(formatFirstUploadMix(firstUploadMix).join('\n'));
    }
    const machine = benchMachine(loadAtStart);
    const unitsOut = values['units-out'];
    if (unitsOut !== undefined && fleet !== undefined) {
      // Chunk message size per event, as the full bench measures it: a year-long dump's chunks.
      const year = decodeDump(generateSingleDump({ days: 365, eventsPerDay }).bytes);
      const units = unitsFile(fleet, {
        command,
        startedAt,
        machine,
        chunkMessageBytesPerEvent: chunkBytesPerEvent(year),
      });
      writeFileSync(unitsOut, `${JSON.stringify(units, null, 2)}\n`);
    }
    const mix = firstUploadMix?.total.project;
    const targets = checkTargets({
      ...(fleet !== undefined && {
        fleetReadUnitsRatio: fleet.ratios.readUnitsRatio,
        storedMatchesGenerator: fleet.storedMatchesGenerator,
      }),
      ...(mix !== undefined && {
        writeUnitsPerStoredEvent: mix.stored > 0 ? mix.aws.writeUnits / mix.stored : null,
      }),
      storedDifference:
        (fleet === undefined ? 0 : fleet.total.project.stored - fleet.total.baseline.stored) +
        (firstUploadMix === undefined
          ? 0
          : firstUploadMix.total.project.stored - firstUploadMix.total.baseline.stored),
    });
    for (const t of targets)
      log(`${t.met ? 'met    ' : 'NOT MET'} ${t.name}: ${t.measured ?? '-'} (target ${t.target})`);
    process.stdout.write(
      `${JSON.stringify({ command, startedAt, machine, wallSeconds: (performance.now() - began) / 1000, fleet, firstUploadMix, targets }, null, 2)}\n`,
    );
  } finally {
    bench.dynamodb.destroy();
    await dynamo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
