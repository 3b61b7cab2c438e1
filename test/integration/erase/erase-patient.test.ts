import { paginateScan, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { erasePatient, type EraseReport } from '../../../erase';
import { DEFAULT_NOW, generateDumps } from '../../../generator';
import { decodeDump } from '../../../lambdas/core/dump';
import { escapeId } from '../../../lambdas/core/storage/keys';
import { readKpis, readPatientDevices, readStoredDays } from '../../../lambdas/core/storage/read-events';
import type { LocalDump, LocalPipeline } from '../../../local/pipeline';
import { verifyStore } from '../../../verify';
import { aDump, flipBits, someEvents } from '../../factories/dumps';
import { isolatedEnvironment } from '../support/pipeline-oracle';
import { startQuietPipeline, type QuietPipeline } from '../support/quiet-pipeline';

type Item = Record<string, AttributeValue>;

describe('erasePatient on a local pipeline', () => {
  let pipeline: LocalPipeline;
  let quiet: QuietPipeline | undefined;
  // Three patients (one device each, two overlapping uploads), and the first patient also has a
  // second device whose id needs the key-segment encoding, a malformed upload, and a dump uploaded
  // under another device's prefix (E_DEVICE_MISMATCH): all four kinds must go.
  const generated = [
    ...generateDumps({ devices: 3, uploadsPerDevice: 2, days: 3, eventsPerDay: 40, seed: 23 }),
  ];
  const owners = generated.map((d) => decodeDump(d.bytes).header);
  const victim = owners[0]!.patientId;
  const victimsOther = generated.find((_, i) => i > 0 && owners[i]!.patientId === victim)!;
  const othersDevice = owners.find((o) => o.patientId !== victim)!.deviceId;
  const othersDump = generated.find((_, i) => owners[i]!.patientId !== victim)!;
  const second = aDump({
    patientId: victim,
    deviceId: 'EXTRA/DEV#1',
    createdAt: DEFAULT_NOW,
    events: someEvents(30, DEFAULT_NOW - 2 * 86_400_000),
  });
  const dumps: LocalDump[] = [
    ...generated.map((d) => ({ name: d.fileName, bytes: d.bytes })),
    { name: 'second-device.dump', bytes: second },
    { name: 'victim-bad-crc.dump', bytes: flipBits(generated[0]!.bytes, 64 + 17, 0x10) },
    { name: 'other-bad-crc.dump', bytes: flipBits(othersDump.bytes, 64 + 17, 0x10) },
    { name: 'victim-mismatch.dump', bytes: victimsOther.bytes, uploadedBy: othersDevice },
  ];

  const scan = async (): Promise<Item[]> => {
    const items: Item[] = [];
    const pages = paginateScan(
      { client: pipeline.clients.dynamodb },
      { TableName: pipeline.tableName, ConsistentRead: true },
    );
    for await (const page of pages) items.push(...(page.Items ?? []));
    return items.sort((a, b) => keyText(a).localeCompare(keyText(b)));
  };
  const keyText = (item: Item) => `${item['pk']!.S!}\0${item['sk']!.S!}`;
  const objectKeys = async (): Promise<string[]> => {
    const keys: string[] = [];
    const pages = paginateListObjectsV2({ client: pipeline.clients.s3 }, { Bucket: pipeline.bucket });
    for await (const page of pages) keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    return keys.sort();
  };
  const erase = (dryRun: boolean): Promise<EraseReport> =>
    erasePatient({
      ...pipeline.clients,
      tableName: pipeline.tableName,
      bucket: pipeline.bucket,
      // The emulator keeps no versions: current objects are all there is.
      versioned: false,
      patientId: victim,
      dryRun,
    });

  beforeAll(async () => {
    quiet = await startQuietPipeline('erase', {
      ...(process.env['AWS_ENDPOINT_URL_DYNAMODB'] && {
        dynamoEndpoint: process.env['AWS_ENDPOINT_URL_DYNAMODB'],
      }),
      loadEnvironment: isolatedEnvironment,
    });
    pipeline = quiet.pipeline;
    const { finished } = await pipeline.runPhase(dumps, { now: DEFAULT_NOW });
    expect(finished.map((f) => [f.fileName, f.ledger.status, f.ledger.code ?? ''])).toEqual(
      expect.arrayContaining([
        ['victim-bad-crc.dump', 'REJECTED', 'E_BODY_CRC'],
        ['victim-mismatch.dump', 'REJECTED', 'E_DEVICE_MISMATCH'],
        ['second-device.dump', 'COMPLETE', ''],
      ]),
    );
  }, 120_000);

  afterAll(async () => {
    await quiet?.stop();
  });

  it("removes the patient completely and leaves every other patient's items byte for byte", async () => {
    const before = await scan();
    const objectsBefore = await objectKeys();
    // Everything of the victim, found independently of erase: their own partitions, and the
    // ledgers and claims of the dumps filed under them.
    const escaped = escapeId(victim);
    const victimDumps = new Set(
      before
        .filter((i) => i['pk']!.S === `I#${escaped}` && i['sk']!.S!.startsWith('DUMP#'))
        .map((i) => i['sk']!.S!.slice('DUMP#'.length)),
    );
    expect(victimDumps.size).toBe(5);
    const isVictims = (item: Item) => {
      const pk = item['pk']!.S!;
      return (
        pk === `I#${escaped}` ||
        pk.startsWith(`S#${escaped}#`) ||
        new RegExp(`^[ED]#[^#]+#${escaped.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}#`).test(pk) ||
        victimDumps.has(pk.startsWith('L#') ? pk.slice(2) : (item['dumpId']?.S ?? ''))
      );
    };
    const victimKeys = new Set(
      before
        .filter((i) => i['pk']!.S!.startsWith('L#') && victimDumps.has(i['pk']!.S!.slice(2)))
        .flatMap((i) => (i['key']?.S === undefined ? [] : [i['key'].S, `rejected/${i['key'].S}`])),
    );
    expect(before.filter(isVictims).length).toBeGreaterThan(20);

    const dry = await erase(true);
    expect(dry.deleted).toEqual(Object.fromEntries(Object.keys(dry.found).map((k) => [k, 0])));
    expect(dry).toMatchObject({ devices: 2, dumps: 5, s3Skipped: false });
    expect(dry.found.kpis).toBe(2);
    expect(await scan()).toEqual(before);

    const report = await erase(false);
    expect(report.deleted).toEqual(dry.found);
    const total = Object.values(report.deleted).reduce((a, b) => a + b, 0) - report.deleted.objectVersions;
    expect(total).toBe(before.filter(isVictims).length);

    const after = await scan();
    expect(after).toEqual(before.filter((item) => !isVictims(item)));
    expect(await objectKeys()).toEqual(objectsBefore.filter((key) => !victimKeys.has(key)));
    expect(objectsBefore.filter((key) => victimKeys.has(key))).toHaveLength(5 + 2);

    // The readers find nothing of the patient; verify finds the rest of the store consistent.
    const deps = { dynamodb: pipeline.clients.dynamodb, tableName: pipeline.tableName };
    expect(await readPatientDevices(deps, victim)).toEqual([]);
    expect(await readKpis(deps, victim, owners[0]!.deviceId)).toEqual([]);
    const days = [];
    for await (const day of readStoredDays(deps, { patientId: victim, deviceId: owners[0]!.deviceId })) {
      days.push(day);
    }
    expect(days).toEqual([]);
    const verified = await verifyStore({
      ...pipeline.clients,
      bucket: pipeline.bucket,
      tableName: pipeline.tableName,
      scanLedger: true,
      retainedAt: DEFAULT_NOW,
    });
    expect(verified.differences).toEqual([]);

    // Idempotent: a second run finds nothing and changes nothing.
    const again = await erase(false);
    expect(Object.values(again.found).every((n) => n === 0)).toBe(true);
    expect(await scan()).toEqual(after);
  });
});
