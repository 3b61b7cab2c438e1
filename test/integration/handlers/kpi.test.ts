import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ingestInProcess } from '../../../lambdas/core/storage/in-process';
import { daySk, summaryPk } from '../../../lambdas/core/storage/keys';
import { readKpis } from '../../../lambdas/core/storage/read-events';
import { captureOutput, type CapturedOutput } from '../../../local/capture-output';
import { createLambdaContext } from '../../../local/lambda-context';
import { at, BASE_DAY, dayEvents, decodedDump } from '../../factories/events';
import { aLambdaStreamRecord } from '../../factories/stream-records';
import { useTestTable } from '../support/table';

type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: ReturnType<typeof createLambdaContext>,
) => Promise<DynamoDBBatchResponse>;

const NOW = at(BASE_DAY + 200);

describe('kpi handler', () => {
  const table = useTestTable({ prefix: 'kpi-handler' });
  let kpi: StreamHandler;
  let output: CapturedOutput;
  let logDir: string;

  beforeAll(() => {
    // The handler builds its client and reads config at import: the environment comes first.
    process.env['TABLE_NAME'] = table.current.tableName;
    jest.isolateModules(() => {
      /* eslint-disable-next-line @typescript-eslint/no-require-imports */
      kpi = (require('../../../lambdas/handlers/kpi') as { handler: StreamHandler }).handler;
    });
    logDir = mkdtempSync(path.join(tmpdir(), 'dumpflow-kpi-handler-'));
    output = captureOutput(path.join(logDir, 'functions.jsonl'));
  });

  afterAll(async () => {
    await output.restore();
    rmSync(logDir, { recursive: true, force: true });
  });

  const invoke = (records: DynamoDBStreamEvent['Records']) =>
    kpi({ Records: records }, createLambdaContext({ functionName: 'kpi' }));

  it('recomputes on a written summary and on a removed one in the window; refuses a removed item that is not a day', async () => {
    const pk = summaryPk('P-handler', 'DEV-1');
    await ingestInProcess(
      { dynamodb: table.current.dynamodb, tableName: table.current.tableName, now: NOW, saltBuckets: 2 },
      { bucket: 'b', key: 'handler/1', version: 'v' },
      decodedDump(dayEvents(BASE_DAY + 150, 2, { perDay: 10 }), { patientId: 'P-handler' }),
      NOW,
    );

    const written = await invoke([
      aLambdaStreamRecord({ pk, sk: daySk(BASE_DAY + 151), eventName: 'INSERT' }),
    ]);
    expect(written.batchItemFailures).toEqual([]);
    expect((await readKpis(table.current, 'P-handler', 'DEV-1'))[0]?.events).toBe(20);

    await table.current.dynamodb.send(
      new DeleteItemCommand({
        TableName: table.current.tableName,
        Key: { pk: { S: pk }, sk: { S: daySk(BASE_DAY + 151) } },
      }),
    );
    const removed = await invoke([
      aLambdaStreamRecord({ pk, sk: daySk(BASE_DAY + 151), eventName: 'REMOVE', sequenceNumber: '2' }),
      aLambdaStreamRecord({ pk, sk: 'KPI', eventName: 'REMOVE', sequenceNumber: '3' }),
    ]);

    expect(removed.batchItemFailures).toEqual([{ itemIdentifier: '3' }]);
    expect((await readKpis(table.current, 'P-handler', 'DEV-1'))[0]).toMatchObject({ events: 10 });
  });
});
