/**
 * The upload-mix comparison alone, at any size: the read-unit target of issue 6 is about the mix at
 * 3,000 events per device-day, which the full `dumpflow bench` reaches only after its long rows.
 * With --units-out it writes the per-upload units `dumpflow plan` reads, from 3,000 events per day
 * instead of the quick run's scaled-up 20.
 *   npx tsx bench/mix.ts [--events-per-day 3000] [--devices 6] [--uploads-per-device 2] [--units-out FILE]
 */
import { writeFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { generateSingleDump } from '../generator';
import { decodeDump } from '../lambdas/core/dump';
import {
  benchMachine,
  chunkBytesPerEvent,
  compareMix,
  createBenchTable,
  FULL_SCALE,
  ratiosOf,
  withRequestMinimum,
} from './compare';
import { unitsFile } from './units';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a positive integer`);
  return value;
}

async function main(): Promise<void> {
  const scale = {
    ...FULL_SCALE,
    eventsPerDay: option('--events-per-day', FULL_SCALE.eventsPerDay),
    mixDevices: option('--devices', FULL_SCALE.mixDevices),
    mixUploadsPerDevice: option('--uploads-per-device', FULL_SCALE.mixUploadsPerDevice),
  };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const dynamo = await startDynamoDbLocal({ jvmArgs: ['-Xmx4g'] });
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 6,
  });
  try {
    const suffix = Date.now().toString(36);
    const paths = { client, projectTable: `mix-project-${suffix}`, baselineTable: `mix-baseline-${suffix}` };
    await createBenchTable(client, paths.projectTable);
    await createBenchTable(client, paths.baselineTable);
    const startedAt = new Date().toISOString();
    const began = performance.now();
    const { mix, emptyQueries } = await compareMix(paths, scale, log);
    const { project, baseline } = mix.total;
    const withMinimum = withRequestMinimum(baseline.readUnits, emptyQueries);
    const command = `npx tsx bench/mix.ts --events-per-day ${scale.eventsPerDay} --devices ${scale.mixDevices} --uploads-per-device ${scale.mixUploadsPerDevice}`;
    const unitsOut = process.argv[process.argv.indexOf('--units-out') + 1];
    if (process.argv.includes('--units-out') && unitsOut !== undefined) {
      // Chunk message size per event, as the full bench measures it: a year-long dump's chunks.
      const year = decodeDump(generateSingleDump({ days: 365, eventsPerDay: scale.eventsPerDay }).bytes);
      const units = unitsFile({
        mix,
        machine: benchMachine(),
        command,
        startedAt,
        note: `the upload mix alone (${scale.mixDevices}x${scale.mixUploadsPerDevice} uploads) at ${scale.eventsPerDay} events per device-day`,
        chunkMessageBytesPerEvent: chunkBytesPerEvent(year),
        scale,
      });
      writeFileSync(unitsOut, `${JSON.stringify(units, null, 2)}\n`);
    }
    process.stdout.write(
      `${JSON.stringify(
        {
          command,
          mix,
          baselineEmptyQueries: emptyQueries,
          readUnitsRatio: ratiosOf(project, baseline).readUnitsRatio,
          readUnitsRatioWithRequestMinimum: project.readUnits > 0 ? withMinimum / project.readUnits : null,
          writeUnitsPerStoredEvent: project.stored > 0 ? project.writeUnits / project.stored : null,
          wallSeconds: (performance.now() - began) / 1000,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
