import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { encodeDump } from '../../../lambdas/core/dump';
import { findDumpId, readLedger, readLedgerOf } from '../../../lambdas/core/ledger';
import { captureOutput, type CapturedOutput } from '../../../local/capture-output';
import { createLambdaContext } from '../../../local/lambda-context';
import { sendS3TestEvent } from '../../../local/event-sources/s3-notifications';
import { dumpUploaderFor } from '../../../local/services/s3-sqs';
import { toSqsRecord } from '../../../local/event-sources/sqs-record';
import { someEvents, CREATED_AT } from '../../factories/dumps';
import { drain, useLocalS3Sqs } from '../support/s3-sqs';
import { useTestTable } from '../support/table';

type SqsHandler = (
  event: SQSEvent,
  context: ReturnType<typeof createLambdaContext>,
) => Promise<SQSBatchResponse>;

describe('parser handler', () => {
  const local = useLocalS3Sqs();
  const table = useTestTable();
  let parser: SqsHandler;
  let worker: SqsHandler;
  let output: CapturedOutput;
  let logDir: string;

  beforeAll(() => {
    const { services } = local.current;
    // The handlers build clients and read config at import: the environment comes first.
    Object.assign(process.env, services.endpointEnv, {
      TABLE_NAME: table.current.tableName,
      FANOUT_QUEUE_URL: services.queues.fanout.url,
      DUMPFLOW_S3_FORCE_PATH_STYLE: 'true',
      DUMPFLOW_NOW: String(CREATED_AT),
    });
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      parser = (require('../../../lambdas/handlers/parser') as { handler: SqsHandler }).handler;
      worker = (require('../../../lambdas/handlers/worker') as { handler: SqsHandler }).handler;
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
    logDir = mkdtempSync(path.join(tmpdir(), 'dumpflow-handlers-'));
    output = captureOutput(path.join(logDir, 'functions.jsonl'));
  });

  afterAll(async () => {
    await output.restore();
    rmSync(logDir, { recursive: true, force: true });
  });

  async function receivedRecords(sqs: SQSClient, queueUrl: string, arn: string): Promise<SQSRecord[]> {
    const messages = await drain(sqs, queueUrl, 500);
    return messages.map((m) => toSqsRecord(m, { queueArn: arn, region: local.current.services.region }));
  }

  async function invoke(handler: SqsHandler, records: SQSRecord[], functionName: string) {
    return handler({ Records: records }, createLambdaContext({ functionName }));
  }

  async function queued(sqs: SQSClient, queueUrl: string): Promise<number> {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes.ApproximateNumberOfMessages ?? 0);
  }

  async function upload(s3: S3Client, sqs: SQSClient, key: string, bytes: Uint8Array) {
    const { services } = local.current;
    return dumpUploaderFor(services, { s3, sqs }).upload(key, bytes);
  }

  async function tableItems() {
    const { Items = [] } = await table.current.dynamodb.send(
      new ScanCommand({ TableName: table.current.tableName, ConsistentRead: true }),
    );
    return Items;
  }

  it('ignores the s3:TestEvent S3 sends when the notification is configured', async () => {
    const { services, sqs } = local.current;
    await sendS3TestEvent(sqs, services.queues.dump.url, services.bucket);
    const records = await receivedRecords(sqs, services.queues.dump.url, services.queues.dump.arn);
    expect(records).toHaveLength(1);

    const response = await invoke(parser, records, 'parser');

    expect(response.batchItemFailures).toEqual([]);
    expect(await queued(sqs, services.queues.fanout.url)).toBe(0);
  });

  it('rejects a malformed dump whole: ledger REJECTED, a copy under rejected/, no event stored', async () => {
    const { services, s3, sqs } = local.current;
    const bytes = encodeDump({
      deviceId: 'DEV-1',
      patientId: 'PAT-1',
      createdAt: CREATED_AT,
      events: someEvents(20),
    });
    const broken = Uint8Array.from(bytes);
    broken[64 + 40] = broken[64 + 40]! ^ 0xff;
    const uploaded = await upload(s3, sqs, 'incoming/DEV-1/bad crc.dump', broken);
    const records = await receivedRecords(sqs, services.queues.dump.url, services.queues.dump.arn);

    const response = await invoke(parser, records, 'parser');

    expect(response.batchItemFailures).toEqual([]);
    const ledger = await readLedgerOf(
      { dynamodb: table.current.dynamodb, tableName: table.current.tableName },
      { bucket: services.bucket, key: 'incoming/DEV-1/bad crc.dump', version: uploaded.eTag },
    );
    expect(ledger).toMatchObject({
      status: 'REJECTED',
      code: 'E_BODY_CRC',
      key: 'incoming/DEV-1/bad crc.dump',
    });
    const copy = await s3.send(
      new GetObjectCommand({ Bucket: services.bucket, Key: 'rejected/incoming/DEV-1/bad crc.dump' }),
    );
    expect(Buffer.from(await copy.Body!.transformToByteArray())).toEqual(Buffer.from(broken));
    // fauxqs does not serve GetObjectTagging, so the copy's dumpflow-rejected tag is not checked here.
    // Only the claim (K#), the ledger (L#), the table's layout marker and the dump filed under its
    // patient (the header's ids passed their checks; erasure finds the copy by it): no event, summary or page.
    const items = await tableItems();
    expect(items.filter((item) => !/^[KL]#/.test(item['pk']?.S ?? '') && item['pk']?.S !== 'META')).toEqual([
      expect.objectContaining({
        pk: { S: 'I#PAT-1' },
        sk: { S: `DUMP#${ledger!.dumpId}` },
        deviceId: { S: 'DEV-1' },
      }),
    ]);
    expect(await queued(sqs, services.queues.fanout.url)).toBe(0);
  });

  it("rejects a valid dump under another device's prefix: E_DEVICE_MISMATCH, a copy under rejected/, nothing stored", async () => {
    const { services, s3, sqs } = local.current;
    const bytes = encodeDump({
      deviceId: 'DEV/3#x',
      patientId: 'PAT-3',
      createdAt: CREATED_AT,
      events: someEvents(20),
    });
    const before = await tableItems();
    // The key of device DEV-4 (an uploader confined to its own prefix) holding DEV/3#x's dump.
    const key = 'incoming/DEV-4/upload.dump';
    const uploaded = await upload(s3, sqs, key, bytes);
    const records = await receivedRecords(sqs, services.queues.dump.url, services.queues.dump.arn);

    expect((await invoke(parser, records, 'parser')).batchItemFailures).toEqual([]);

    const deps = { dynamodb: table.current.dynamodb, tableName: table.current.tableName };
    const ledger = await readLedgerOf(deps, { bucket: services.bucket, key, version: uploaded.eTag });
    expect(ledger).toMatchObject({ status: 'REJECTED', code: 'E_DEVICE_MISMATCH' });
    expect(ledger?.message).not.toContain('DEV');
    const copy = await s3.send(new GetObjectCommand({ Bucket: services.bucket, Key: `rejected/${key}` }));
    expect(Buffer.from(await copy.Body!.transformToByteArray())).toEqual(Buffer.from(bytes));
    // New items: the claim, the ledger and the patient's DUMP# item (erasure finds the copy by it);
    // no event, page, summary or device.
    const added = (await tableItems()).filter(
      (item) => !before.some((b) => b['pk']?.S === item['pk']?.S && b['sk']?.S === item['sk']?.S),
    );
    expect(
      added.map((item) => `${item['pk']!.S!.slice(0, 2)} ${item['sk']!.S!.split('#')[0]}`).sort(),
    ).toEqual(['I# DUMP', 'K# V', 'L# LEDGER'].sort());
    expect(await queued(sqs, services.queues.fanout.url)).toBe(0);

    // The same dump under its own device's prefix (the id encoded as one segment) is stored.
    const own = await upload(s3, sqs, 'incoming/DEV=2F3=23x/upload.dump', bytes);
    const notification = await receivedRecords(sqs, services.queues.dump.url, services.queues.dump.arn);
    expect((await invoke(parser, notification, 'parser')).batchItemFailures).toEqual([]);
    expect(
      await readLedgerOf(deps, {
        bucket: services.bucket,
        key: 'incoming/DEV=2F3=23x/upload.dump',
        version: own.eTag,
      }),
    ).toMatchObject({ status: 'PROCESSING' });
    await drain(sqs, services.queues.fanout.url, 500);
  });

  it('treats a redelivered notification of a COMPLETE dump as a no-op', async () => {
    const { services, s3, sqs } = local.current;
    const bytes = encodeDump({
      deviceId: 'DEV-2',
      patientId: 'PAT-2',
      createdAt: CREATED_AT,
      events: someEvents(30),
    });
    const uploaded = await upload(s3, sqs, 'incoming/DEV-2/good.dump', bytes);
    const notification = await receivedRecords(sqs, services.queues.dump.url, services.queues.dump.arn);
    expect((await invoke(parser, notification, 'parser')).batchItemFailures).toEqual([]);
    const chunks = await receivedRecords(sqs, services.queues.fanout.url, services.queues.fanout.arn);
    expect(chunks.length).toBeGreaterThan(0);
    expect((await invoke(worker, chunks, 'worker')).batchItemFailures).toEqual([]);
    const deps = { dynamodb: table.current.dynamodb, tableName: table.current.tableName };
    const dumpId = (await findDumpId(deps, {
      bucket: services.bucket,
      key: 'incoming/DEV-2/good.dump',
      version: uploaded.eTag,
    }))!;
    const complete = await readLedger(deps, dumpId);
    expect(complete).toMatchObject({
      status: 'COMPLETE',
      totals: { stored: 30, duplicates: 0, conflicts: 0 },
    });
    const before = await tableItems();

    const again = await invoke(parser, notification, 'parser');

    expect(again.batchItemFailures).toEqual([]);
    expect(await queued(sqs, services.queues.fanout.url)).toBe(0);
    expect(await readLedger(deps, dumpId)).toEqual(complete);
    expect(await tableItems()).toEqual(before);
  });
});
