import { PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { DEFAULT_NOW, generateDumps, type GeneratedDump } from '../../../generator';
import { decodeDump } from '../../../lambdas/core/dump';
import { decodePage, encodePage } from '../../../lambdas/core/page/codec';
import { LEDGER_SK, ledgerPk, PAGE_SK_PREFIX, pagePk } from '../../../lambdas/core/storage/keys';
import { queryAll } from '../../../lambdas/core/storage/query';
import { slicePageEvents } from '../../../lambdas/core/storage/pages';
import type { LocalDump, LocalPipeline } from '../../../local/pipeline';
import type { FinishedDump } from '../../../local/phase-report';
import { verifyStore } from '../../../verify';
import { deviceUploadPrefix } from '../../../lambdas/core/upload-key';
import { uploaderDeviceId } from '../../../local/upload-keys';
import { isolatedEnvironment } from '../support/pipeline-oracle';
import { startQuietPipeline, type QuietPipeline } from '../support/quiet-pipeline';

/** A generated dump's device and the UTC days it covers. */
function daysOf(dump: GeneratedDump) {
  const { header, days } = decodeDump(dump.bytes);
  return { patientId: header.patientId, deviceId: header.deviceId, days: days.map((d) => d.dayNumber) };
}

describe('verifyStore', () => {
  let pipeline: LocalPipeline;
  let quiet: QuietPipeline | undefined;
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
  // The local runtime uploads each dump under its device's prefix (the device-prefix layout).
  const keyOf = (name: string) =>
    `${deviceUploadPrefix('incoming/', uploaderDeviceId(dumps.find((d) => d.name === name)!.bytes))}phase-1/${name}`;
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
    quiet = await startQuietPipeline('verify', {
      // The integration run's DynamoDB Local (global-setup.ts): no second Java process.
      ...(process.env['AWS_ENDPOINT_URL_DYNAMODB'] && {
        dynamoEndpoint: process.env['AWS_ENDPOINT_URL_DYNAMODB'],
      }),
      loadEnvironment: isolatedEnvironment,
    });
    pipeline = quiet.pipeline;
    ({ finished } = await pipeline.runPhase(dumps, { now: DEFAULT_NOW }));
  }, 90_000);

  afterAll(async () => {
    await quiet?.stop();
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
    expect(report.counts.storedEvents).toBe(finished.reduce((n, f) => n + (f.ledger.totals?.stored ?? 0), 0));
    expect(report.counts.ledgerItemsScanned).toBeGreaterThan(report.counts.deviceDays);
  }, 30_000);

  it('reports a deleted event, a duplicated page, a flipped ledger status, a deleted rejected copy and a vanished dump', async () => {
    const { dynamodb, s3 } = pipeline.clients;
    const TableName = pipeline.tableName;
    const device0 = generated.filter((d) => d.deviceIndex === generated[0]!.deviceIndex);
    const device1 = generated.filter((d) => d.deviceIndex !== generated[0]!.deviceIndex);
    const { patientId, deviceId, days } = daysOf(device0[0]!);
    const pageOf = async (dayNumber: number) =>
      (
        await queryAll(dynamodb, {
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: {
            ':pk': { S: pagePk(dayNumber, patientId, deviceId, 0) },
            ':p': { S: PAGE_SK_PREFIX },
          },
          ConsistentRead: true,
        })
      )[0]!;

    // One event of the first day's page disappears (the summary still counts it).
    const goneDay = days[0]!;
    const first: Record<string, AttributeValue> = await pageOf(goneDay);
    const events = decodePage(first['d']!.B!);
    const gone = { ms: events.msOfDay[0]!, seq: events.seq[0]!, type: events.type[0]! };
    await dynamodb.send(
      new PutItemCommand({
        TableName,
        Item: { ...first, d: { B: encodePage(slicePageEvents(events, 1, events.length)) } },
      }),
    );
    // The last day's page is copied into another partition: its events are stored twice.
    const twiceDay = days[days.length - 1]!;
    const last = await pageOf(twiceDay);
    await dynamodb.send(
      new PutItemCommand({
        TableName,
        Item: { ...last, pk: { S: pagePk(twiceDay, patientId, deviceId, 1) } },
      }),
    );

    const flipped = finished.find((f) => f.fileName === device0[1]!.fileName)!;
    await dynamodb.send(
      new UpdateItemCommand({
        TableName,
        Key: { pk: { S: ledgerPk(flipped.ledger.dumpId) }, sk: { S: LEDGER_SK } },
        // Back in the watch index, its deadline long past: also PAST_DEADLINE.
        UpdateExpression: 'SET #status = :processing, #watch = :dump, #due = :due',
        ExpressionAttributeNames: { '#status': 'status', '#watch': 'watch', '#due': 'due' },
        ExpressionAttributeValues: {
          ':processing': { S: 'PROCESSING' },
          ':dump': { S: 'DUMP' },
          ':due': { N: String(Date.now() - 60_000) },
        },
      }),
    );
    await s3.send(
      new DeleteObjectCommand({ Bucket: pipeline.bucket, Key: `rejected/${keyOf('bad-crc.dump')}` }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: pipeline.bucket, Key: keyOf(device1[0]!.fileName) }));

    const report = await verify();
    const found = report.differences.map((d) => `${d.kind} ${d.subject}`).sort();
    const day = (dayNumber: number) =>
      `${patientId}/${deviceId}/${new Date(dayNumber * 86_400_000).toISOString().slice(0, 10)}`;

    // The deleted identity is missing for every upload of device 0 that holds it.
    const holders = device0.filter((d) => {
      const { events: e } = decodeDump(d.bytes);
      return Array.from({ length: e.length }).some(
        (_, i) =>
          e.dayNumber[i] === goneDay &&
          e.msOfDay[i] === gone.ms &&
          e.seq[i] === gone.seq &&
          e.type[i] === gone.type,
      );
    });
    expect(holders.map((d) => d.fileName)).toContain(device0[0]!.fileName);
    expect(goneDay).not.toBe(twiceDay);
    expect(found).toEqual(
      [
        ...holders.map((d) => `EVENT_MISSING ${keyOf(d.fileName)}`),
        `DAY_INCONSISTENT ${day(goneDay)}`,
        `EVENT_DUPLICATED ${day(twiceDay)}`,
        `EVENT_MISPLACED ${day(twiceDay)}`,
        `DAY_INCONSISTENT ${day(twiceDay)}`,
        `NOT_COMPLETE ${keyOf(device0[1]!.fileName)}`,
        `PAST_DEADLINE ${keyOf(device0[1]!.fileName)}`,
        `REJECTED_COPY_MISSING ${keyOf('bad-crc.dump')}`,
        `OBJECT_MISSING ${keyOf(device1[0]!.fileName)}`,
      ].sort(),
    );
    expect(report.differences.find((d) => d.kind === 'PAST_DEADLINE')?.detail).toMatch(
      new RegExp(`^dump ${flipped.ledger.dumpId} is still PROCESSING 1\\.\\d min past its deadline`),
    );
    expect(report.counts.dumps).toBe(4);
  }, 30_000);
});
