/**
 * `dumpflow verify` on a generated workload: how many records it checks, how long it takes and
 * how much memory it holds. Starts DynamoDB Local and fauxqs, stores the workload through the
 * storage core (ingestInProcess: the parser and worker steps without the queues), then verifies.
 * Run: `npx tsx bench/verify.ts [--devices 2] [--days 30] [--events-per-day 1000] [--uploads 2]`.
 * Each device uploads the same `days`-day dump `uploads` times (every later upload is all duplicates).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parseArgs } from 'node:util';
import { DEFAULT_NOW, generateSingleDump } from '../generator';
import { decodeDump } from '../lambdas/core/dump';
import { ingestInProcess } from '../lambdas/core/storage/in-process';
import { createTable } from '../lambdas/core/storage/table';
import { startDynamoDbLocal } from '../local/dynamodb-local';
import { startLocalS3Sqs } from '../local/services/s3-sqs';
import { verifyStore } from '../verify';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '2' },
    days: { type: 'string', default: '30' },
    'events-per-day': { type: 'string', default: '1000' },
    uploads: { type: 'string', default: '2' },
  },
});
const devices = Number(values.devices);
const days = Number(values.days);
const eventsPerDay = Number(values['events-per-day']);
const uploads = Number(values.uploads);

async function main(): Promise<void> {
  const dynamo = await startDynamoDbLocal();
  const services = await startLocalS3Sqs();
  const { s3 } = services.clients();
  const dynamodb = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: services.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const tableName = 'verify-bench';
    await createTable(dynamodb, tableName, { stream: false });

    const loadStarted = performance.now();
    for (let device = 0; device < devices; device++) {
      // One seed per device: different seeds never share device ids.
      const dump = generateSingleDump({ seed: 100 + device, days, eventsPerDay });
      const decoded = decodeDump(dump.bytes);
      for (let upload = 0; upload < uploads; upload++) {
        const key = `incoming/${dump.fileName.replace(/\.dump$/, '')}-${upload}.dump`;
        const put = await s3.send(
          new PutObjectCommand({ Bucket: services.bucket, Key: key, Body: dump.bytes }),
        );
        const version = (put.ETag ?? '').replaceAll('"', '');
        await ingestInProcess(
          { dynamodb, tableName, now: DEFAULT_NOW, saltBuckets: 10 },
          { bucket: services.bucket, key, version },
          decoded,
          Date.now(),
        );
      }
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const started = performance.now();
    let scanStarted: number | undefined;
    const report = await verifyStore({
      s3,
      dynamodb,
      bucket: services.bucket,
      tableName,
      scanLedger: true,
      retainedAt: DEFAULT_NOW,
      // ingestInProcess stores what it is given; these keys carry no device segment.
      uploadKeyLayout: 'any',
      onProgress: (p) => (scanStarted ??= p.stage === 'ledger' ? performance.now() : undefined),
    });
    const ended = performance.now();
    const seconds = (ended - started) / 1000;
    const scanSeconds = scanStarted === undefined ? 0 : (ended - scanStarted) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const c = report.counts;
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    process.stdout.write(
      [
        `workload: ${devices} device(s) x ${days} days x ${eventsPerDay} events/day, ${uploads} upload(s) each (stored in ${loadSeconds.toFixed(1)} s)`,
        `verify: ${c.dumps} dumps, ${c.recordsChecked} records checked against ${c.storedEvents} stored events in ${c.deviceDays} device-days, ${c.ledgerItemsScanned} items scanned`,
        `differences: ${report.differences.length}`,
        `time: ${seconds.toFixed(1)} s (${Math.round(c.recordsChecked / seconds)} records/s), of which the ledger scan ${scanSeconds.toFixed(1)} s`,
        `rss: ${mb(rssBefore)} before, ${mb(peakRss)} peak`,
        '',
      ].join('\n'),
    );
    if (report.differences.length > 0) process.exitCode = 1;
  } finally {
    dynamodb.destroy();
    s3.destroy();
    await services.stop();
    await dynamo.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
