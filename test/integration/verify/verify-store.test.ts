import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_NOW, generateDumps, type GeneratedDump } from '../../../generator';
import { decodeDump } from '../../../lambdas/core/dump';
import { daySeed, saltOf } from '../../../lambdas/core/storage/hash';
import { eventPk, eventSk, LEDGER_SK } from '../../../lambdas/core/storage/keys';
import { captureOutput, type CapturedOutput } from '../../../local/capture-output';
import { startLocalPipeline, type LocalDump, type LocalPipeline } from '../../../local/pipeline';
import type { FinishedDump } from '../../../local/phase-report';
import { verifyStore } from '../../../verify';
import { isolatedEnvironment } from '../support/pipeline-oracle';

/** The table keys of a generated dump's events, in file order, as the worker writes them. */
function eventKeys(dump: GeneratedDump) {
  const { header, events } = decodeDump(dump.bytes);
  return Array.from({ length: events.length }, (_, i) => {
    const day = events.dayNumber[i]!;
    const [ms, seq, type] = [events.msOfDay[i]!, events.seq[i]!, events.type[i]!];
    const salt = saltOf(ms, seq, type, daySeed(header.patientId, header.deviceId, day), 10);
    return { salt, day, patientId: header.patientId, deviceId: header.deviceId, sk: eventSk(ms, seq, type) };
  });
}

type EventKey = ReturnType<typeof eventKeys>[number];

describe('verifyStore', () => {
  let pipeline: LocalPipeline;
  let output: CapturedOutput;
  let logDir: string;
  let finished: readonly FinishedDump[];
  // Two devices, two overlapping uploads each (so days are shared), and one malformed copy.
  const generated = [
    ...generateDumps({ devices: 2, uploadsPerDevice: 2, days: 3, eventsPerDay: 60, seed: 11 }),
  ];
  const badCrc = Uint8Array.from(generated[0]!.bytes);
  badCrc[100] = badCrc[100]! ^ 0x01;
  const dumps: LocalDump[] = [
    ...generated.map((d) => ({ name: d.fileName, bytes: d.bytes })),
    { name: 'bad-crc.dump', bytes: badCrc },
  ];
  const keyOf = (name: string) => `incoming/phase-1/${name}`;
  const verify = () =>
    verifyStore({
      ...pipeline.clients,
      bucket: pipeline.bucket,
      tableName: pipeline.tableName,
      scanLedger: true,
      // The generator's days are over 400 days old by the wall clock: judge retention as the run did.
      retainedAt: DEFAULT_NOW,
    });

  beforeAll(async () => {
    logDir = mkdtempSync(path.join(tmpdir(), 'dumpflow-verify-'));
    output = captureOutput(path.join(logDir, 'functions.jsonl'));
    pipeline = await startLocalPipeline({
      // The integration run's DynamoDB Local (global-setup.ts): no second Java process.
      ...(process.env['AWS_ENDPOINT_URL_DYNAMODB'] && {
        dynamoEndpoint: process.env['AWS_ENDPOINT_URL_DYNAMODB'],
      }),
      log: (line) => output.stderr(`${line}\n`),
      loadEnvironment: isolatedEnvironment,
    });
    ({ finished } = await pipeline.runPhase(dumps, { now: DEFAULT_NOW }));
  }, 90_000);

  afterAll(async () => {
    await pipeline?.stop();
    await output?.restore();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('finds no difference in what the pipeline stored', async () => {
    const report = await verify();

    expect(report.differences).toEqual([]);
    expect(report.counts).toMatchObject({ dumps: 5, validDumps: 4, rejectedDumps: 1 });
    expect(report.counts.recordsChecked).toBe(
      finished.reduce(
        (n, f) => n + (f.ledger.counts ? f.ledger.counts.valid - f.ledger.counts.expired : 0),
        0,
      ),
    );
    expect(report.counts.eventItems).toBe(finished.reduce((n, f) => n + (f.ledger.totals?.stored ?? 0), 0));
    expect(report.counts.ledgerItemsScanned).toBeGreaterThan(report.counts.eventItems);
  }, 30_000);

  it('reports a deleted and a duplicated event item, a flipped ledger status, a deleted rejected copy and a vanished dump', async () => {
    const { dynamodb, s3 } = pipeline.clients;
    const TableName = pipeline.tableName;
    const device0 = generated.filter((d) => d.deviceIndex === generated[0]!.deviceIndex);
    const device1 = generated.filter((d) => d.deviceIndex !== generated[0]!.deviceIndex);

    const [gone, twice] = eventKeys(device0[0]!) as [EventKey, EventKey];
    await dynamodb.send(
      new DeleteItemCommand({
        TableName,
        Key: { pk: { S: eventPk(gone.salt, gone.day, gone.patientId, gone.deviceId) }, sk: { S: gone.sk } },
      }),
    );
    const { Item } = await dynamodb.send(
      new GetItemCommand({
        TableName,
        Key: {
          pk: { S: eventPk(twice.salt, twice.day, twice.patientId, twice.deviceId) },
          sk: { S: twice.sk },
        },
      }),
    );
    const otherPk = eventPk((twice.salt + 1) % 10, twice.day, twice.patientId, twice.deviceId);
    await dynamodb.send(new PutItemCommand({ TableName, Item: { ...Item!, pk: { S: otherPk } } }));

    const flipped = finished.find((f) => f.fileName === device0[1]!.fileName)!;
    await dynamodb.send(
      new UpdateItemCommand({
        TableName,
        Key: { pk: { S: flipped.ledger.dumpId }, sk: { S: LEDGER_SK } },
        UpdateExpression: 'SET #status = :processing',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':processing': { S: 'PROCESSING' } },
      }),
    );
    await s3.send(
      new DeleteObjectCommand({ Bucket: pipeline.bucket, Key: `rejected/${keyOf('bad-crc.dump')}` }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: pipeline.bucket, Key: keyOf(device1[0]!.fileName) }));

    const report = await verify();
    const found = report.differences.map((d) => `${d.kind} ${d.subject}`).sort();
    const day = (key: { patientId: string; deviceId: string; day: number }) =>
      `${key.patientId}/${key.deviceId}/${new Date(key.day * 86_400_000).toISOString().slice(0, 10)}`;

    // The deleted identity is missing for every upload of device 0 that holds it.
    const holders = device0.filter((d) => eventKeys(d).some((k) => k.day === gone.day && k.sk === gone.sk));
    expect(holders.map((d) => d.fileName)).toContain(device0[0]!.fileName);
    expect(found).toEqual(
      [
        ...holders.map((d) => `EVENT_MISSING ${keyOf(d.fileName)}`),
        `DAY_INCONSISTENT ${day(gone)}`,
        `EVENT_DUPLICATED ${day(twice)}`,
        `EVENT_MISPLACED ${day(twice)}`,
        `NOT_COMPLETE ${keyOf(device0[1]!.fileName)}`,
        `REJECTED_COPY_MISSING ${keyOf('bad-crc.dump')}`,
        `OBJECT_MISSING ${keyOf(device1[0]!.fileName)}`,
      ].sort(),
    );
    expect(report.counts.dumps).toBe(4);
  }, 30_000);
});
