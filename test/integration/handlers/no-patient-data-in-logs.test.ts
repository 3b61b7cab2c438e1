import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { FullBatchFailureError } from '@aws-lambda-powertools/batch';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { decodeChunkMessage } from '../../../lambdas/core/storage/chunk-message';
import { chunkWithOwner } from '../../../lambdas/core/storage/chunk-owner';
import { DAY_LEASE_SK, dayPk } from '../../../lambdas/core/storage/keys';
import { DayBusyError } from '../../../lambdas/core/storage/errors';
import { writeChunk } from '../../../lambdas/core/storage/write-chunk';
import { createLambdaContext } from '../../../local/lambda-context';
import { aDump, DAY_START, flipBits } from '../../factories/dumps';
import { event } from '../../factories/events';
import { anSqsEvent, s3NotificationBody } from '../../factories/sqs-events';
import { useLocalS3Sqs } from '../support/s3-sqs';
import { scanEvents } from '../support/storage';
import { useTestTable } from '../support/table';

const PATIENT = 'PATMARK7Q';
const DEVICE = 'DEVMARK3Z';
const VALUES = [4242.4242, 7373.7373, 9191.9191];
const MARKERS = [PATIENT, DEVICE, ...VALUES.map(String)];
const NOW = Date.UTC(2024, 2, 12, 9, 0);

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Everything the process writes while a handler runs: stdout, stderr and the global console. */
class OutputCapture {
  readonly lines: string[] = [];
  private undo: (() => void)[] = [];

  start(): void {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        this.lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
        callback?.();
        return true;
      }) as typeof stream.write;
      this.undo.push(() => {
        stream.write = original;
      });
    }
    // The batch utility logs through the global console, which jest routes past process.stdout.
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const spy = jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        this.lines.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      });
      this.undo.push(() => spy.mockRestore());
    }
  }

  stop(): void {
    for (const undo of this.undo.splice(0).reverse()) undo();
  }

  async during<T>(work: () => Promise<T>): Promise<T> {
    this.start();
    try {
      return await work();
    } finally {
      this.stop();
    }
  }
}

/** Marker occurrences in `text`, each with a little context, for a readable failure. */
function markersIn(text: string): string[] {
  return MARKERS.flatMap((marker) => {
    const at = text.indexOf(marker);
    return at < 0 ? [] : [`${marker} in …${text.slice(Math.max(0, at - 80), at + 40)}…`];
  });
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return [error.message, error.stack ?? '', error.cause === undefined ? '' : errorText(error.cause)].join(
    '\n',
  );
}

describe('parser and worker handlers: no patient data in logs', () => {
  const table = useTestTable({ prefix: 'logs' });
  const services = useLocalS3Sqs({ namePrefix: 'logs' });
  const capture = new OutputCapture();
  const savedEnv = { ...process.env };
  let parser: Handler;
  let worker: Handler;

  beforeAll(() => {
    const { endpointEnv, queues } = services.current.services;
    Object.assign(process.env, {
      ...endpointEnv,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      TABLE_NAME: table.current.tableName,
      FANOUT_QUEUE_URL: queues.fanout.url,
      DUMPFLOW_S3_FORCE_PATH_STYLE: 'true',
      DUMPFLOW_NOW: String(NOW),
      // The strictest level: debug lines must be clean too.
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
    });
    // Fresh module instances, so the handlers' singletons read this environment. isolateModules
    // is synchronous, hence require.
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      parser = (require('../../../lambdas/handlers/parser') as { handler: Handler }).handler;
      worker = (require('../../../lambdas/handlers/worker') as { handler: Handler }).handler;
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
  });

  afterAll(() => {
    capture.stop();
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
  });

  async function upload(key: string, body: Uint8Array) {
    const { s3, services: local } = services.current;
    const put = await s3.send(new PutObjectCommand({ Bucket: local.bucket, Key: key, Body: body }));
    return s3NotificationBody({
      bucket: local.bucket,
      key,
      size: body.length,
      eTag: put.ETag!,
      eventTime: new Date(NOW),
    });
  }

  /** Marker events on two days, `firstDay` days after DAY_START. */
  const markerDump = (firstDay = 0) =>
    aDump({
      patientId: PATIENT,
      deviceId: DEVICE,
      createdAt: NOW,
      events: VALUES.flatMap((value, i) => [
        event({ timestamp: DAY_START + firstDay * 86_400_000 + i * 3_600_000, seq: 10 + i, value }),
        event({
          timestamp: DAY_START + (firstDay + 1) * 86_400_000 + i * 3_600_000,
          seq: 20 + i,
          value,
          type: 4,
        }),
      ]),
    });

  it('a valid dump and a malformed one go through parser and worker without a marker in any log line', async () => {
    const good = await upload(`incoming/${DEVICE}/${PATIENT}-upload-1.bin`, markerDump());
    // A flipped record byte: the body CRC fails, so the dump is rejected whole.
    const bad = await upload(
      `incoming/${DEVICE}/${PATIENT}-upload-2.bin`,
      flipBits(markerDump(), 64 + 17, 0x10),
    );

    const parsed = await capture.during(() =>
      parser(anSqsEvent([good, bad]), createLambdaContext({ functionName: 'parser', clock: () => NOW })),
    );
    expect(parsed.batchItemFailures).toEqual([]);

    const { sqs, services: local } = services.current;
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: local.queues.fanout.url, MaxNumberOfMessages: 10 }),
    );
    const bodies = (received.Messages ?? []).map((message) => message.Body ?? '');
    // Two device-days, one chunk each. The messages do not name the patient (or the device, or the
    // object key); the worker learns them from the ledger, so the markers still reach it.
    expect(bodies).toHaveLength(2);
    expect(markersIn(bodies.join('\n'))).toEqual([]);
    const owners = await Promise.all(
      bodies.map((body) => chunkWithOwner(table.current, decodeChunkMessage(body))),
    );
    expect(owners.map((message) => message.patientId)).toEqual([PATIENT, PATIENT]);

    const firstDelivery = await capture.during(() =>
      worker(anSqsEvent(bodies), createLambdaContext({ functionName: 'worker' })),
    );
    expect(firstDelivery.batchItemFailures).toEqual([]);
    // A redelivery takes the already-committed path, which logs too.
    const redelivery = await capture.during(() =>
      worker(anSqsEvent(bodies), createLambdaContext({ functionName: 'worker' })),
    );
    expect(redelivery.batchItemFailures).toEqual([]);

    const stored = await scanEvents(table.current);
    expect(stored.map((e) => e.value).sort()).toEqual([...VALUES, ...VALUES].sort());

    const log = capture.lines.join('');
    // The capture saw the handlers' own lines (else "no marker" would prove nothing).
    expect(log).toContain('"message":"dump fanned out"');
    expect(log).toContain('"message":"dump rejected"');
    expect(log).toContain('"code":"E_BODY_CRC"');
    expect(log).toContain('"message":"chunk processed"');
    expect(log).toContain('"message":"dump complete"');
    expect(log).toContain('"DumpsCompleted"');
    // Log lines name a dump by its opaque id, never by its object key (which may hold a device id).
    expect(log).not.toContain('-upload-1');
    expect(log).toMatch(/"dumpId":"[0-9a-f]{24}"/);
    expect(markersIn(log)).toEqual([]);
  });

  it('records that fail in the parser or worker carry no marker in their errors or logs', async () => {
    const notJson = `{"patientId":"${PATIENT}","deviceId":"${DEVICE}","value":${VALUES[0]}`;
    const notANotification = JSON.stringify({ patientId: PATIENT, deviceId: DEVICE, value: VALUES[1] });
    let parserError: unknown;
    await capture.during(async () => {
      parserError = await parser(
        anSqsEvent([notJson, notANotification]),
        createLambdaContext({ functionName: 'parser' }),
      ).catch((error: unknown) => error);
    });
    // Every record failed, so the batch utility throws with each record's error (Lambda logs it).
    // isolateModules gave the handlers their own copy of the batch utility: compare by name.
    expect((parserError as Error).name).toBe('FullBatchFailureError');
    const parserErrors = (parserError as FullBatchFailureError).recordErrors;
    expect(parserErrors).toHaveLength(2);

    const truncatedChunk = JSON.stringify({
      v: 1,
      dump: 'L#dumpflow-dumps/uploads/x.bin#etag',
      p: PATIENT,
      d: DEVICE,
      day: 19_792,
      id: 'd0-0',
      up: NOW,
      n: 3,
      ev: Buffer.from(String(VALUES[2])).toString('base64'),
    });
    let workerError: unknown;
    await capture.during(async () => {
      workerError = await worker(
        anSqsEvent([truncatedChunk, notJson]),
        createLambdaContext({ functionName: 'worker' }),
      ).catch((error: unknown) => error);
    });
    expect((workerError as Error).name).toBe('FullBatchFailureError');
    const workerErrors = (workerError as FullBatchFailureError).recordErrors;
    expect(workerErrors).toHaveLength(2);

    for (const error of [parserError, ...parserErrors, workerError, ...workerErrors]) {
      expect(markersIn(errorText(error))).toEqual([]);
    }
    expect(markersIn(capture.lines.join(''))).toEqual([]);
  });

  it('a notification for an object that is gone fails its record without the key (which holds the ids) in the error or logs', async () => {
    const { services: local } = services.current;
    // The key names the device and the patient, as a gateway's naming scheme may.
    const missing = s3NotificationBody({
      bucket: local.bucket,
      key: `incoming/${DEVICE}/${PATIENT}-gone.bin`,
      size: 100,
      eTag: '0123456789abcdef0123456789abcdef',
      eventTime: new Date(NOW),
    });
    let parserError: unknown;
    capture.lines.length = 0;
    await capture.during(async () => {
      parserError = await parser(
        anSqsEvent([missing]),
        createLambdaContext({ functionName: 'parser', clock: () => NOW }),
      ).catch((error: unknown) => error);
    });
    expect((parserError as Error).name).toBe('FullBatchFailureError');
    const [recordError] = (parserError as FullBatchFailureError).recordErrors;
    expect(recordError).toBeDefined();
    expect(markersIn(errorText(parserError))).toEqual([]);
    expect(markersIn(errorText(recordError))).toEqual([]);
    // Nor in the fields a log line serializes beside the message (an SDK error's response fields).
    expect(markersIn(JSON.stringify(recordError))).toEqual([]);
    expect(markersIn(capture.lines.join(''))).toEqual([]);
  });

  describe('a chunk that gives up on a busy device-day', () => {
    let failure: unknown;

    beforeAll(async () => {
      const { sqs, services: local } = services.current;
      // Days no earlier test stored, so the parser's whole-day shortcut does not settle them.
      const notification = await upload(`incoming/${DEVICE}/${PATIENT}-upload-3.bin`, markerDump(-5));
      await capture.during(() =>
        parser(anSqsEvent([notification]), createLambdaContext({ functionName: 'parser', clock: () => NOW })),
      );
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: local.queues.fanout.url, MaxNumberOfMessages: 1 }),
      );
      const message = await chunkWithOwner(
        table.current,
        decodeChunkMessage(received.Messages?.[0]?.Body ?? ''),
      );
      // Another worker holds the device-day's lease for the next minute.
      await table.current.dynamodb.send(
        new PutItemCommand({
          TableName: table.current.tableName,
          Item: {
            pk: { S: dayPk(message.dayNumber, message.patientId, message.deviceId) },
            sk: { S: DAY_LEASE_SK },
            owner: { S: 'another-worker' },
            expiresAt: { N: String(Date.now() + 60_000) },
          },
        }),
      );
      // The handler waits 20 s for the lease; the same code path with a short wait.
      failure = await writeChunk(
        { dynamodb: table.current.dynamodb, tableName: table.current.tableName, dayLeaseWaitMs: 50 },
        message,
      ).catch((error: unknown) => error);
    });

    it('fails its record with E_DAY_BUSY (so it returns to the queue)', () => {
      expect(failure).toBeInstanceOf(DayBusyError);
    });

    it('does not name the patient in the error', () => {
      expect(markersIn(errorText(failure))).toEqual([]);
    });
  });
});
