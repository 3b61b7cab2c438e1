import { GetItemCommand, QueryCommand, paginateScan, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { parseDump } from '../../../lambdas/app/parse-dump';
import { MS_PER_DAY, rejectedDumpOwner } from '../../../lambdas/core/dump';
import { decodeChunkMessage } from '../../../lambdas/core/storage/chunk-message';
import { chunkWithOwner } from '../../../lambdas/core/storage/chunk-owner';
import { LEDGER_SK, ledgerPk } from '../../../lambdas/core/storage/keys';
import type { LocalS3Sqs } from '../../../local/services/s3-sqs';
import { FUZZ_NOW, judgeDecode, type FuzzCase } from '../../factories/dump-mutations';

export const FUZZ_REJECTED_PREFIX = 'rejected/';

/** What one end-to-end fuzz case needs: real S3/SQS (fauxqs) and a table on DynamoDB Local. */
export interface ParseDumpFuzzEnv {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly services: LocalS3Sqs;
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
}

export interface ParseDumpCaseOutcome {
  readonly verdict: 'accepted' | 'rejected';
  readonly code?: string;
  /** Every broken rule, in words; empty when the case holds. */
  readonly failures: readonly string[];
}

async function countItems(env: ParseDumpFuzzEnv): Promise<number> {
  let count = 0;
  const pages = paginateScan(
    { client: env.dynamodb },
    { TableName: env.tableName, Select: 'COUNT', ConsistentRead: true },
  );
  for await (const page of pages) count += page.Count ?? 0;
  return count;
}

async function objectBytes(env: ParseDumpFuzzEnv, key: string): Promise<Uint8Array | undefined> {
  try {
    const response = await env.s3.send(new GetObjectCommand({ Bucket: env.services.bucket, Key: key }));
    return await response.Body!.transformToByteArray();
  } catch (error) {
    if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array) =>
  a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Uploads one fuzz case under `key`, runs the parser's use case on it and checks the outcome
 * against decodeDump's verdict and the spec: parseDump resolves; a rejected dump leaves exactly
 * two items (the object's claim and its REJECTED ledger item with the code), no fan-out message, the original in place
 * and a copy under rejected/, and a second notification is a no-op; an accepted dump's chunk
 * messages are on the fan-out queue and carry every live record.
 */
export async function checkParseDumpCase(
  env: ParseDumpFuzzEnv,
  fuzz: FuzzCase,
  key: string,
): Promise<ParseDumpCaseOutcome> {
  const judged = judgeDecode(fuzz);
  if ('failure' in judged) return { verdict: 'rejected', failures: [`decodeDump: ${judged.failure}`] };
  const { verdict } = judged;
  const failures: string[] = [];
  const fail = (what: string) => failures.push(what);
  const bucket = env.services.bucket;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: fuzz.bytes }));
  const object = { bucket, key, eTag: (put.ETag ?? '').replaceAll('"', ''), uploadedAt: FUZZ_NOW - 60_000 };
  const deps = {
    s3: env.s3,
    sqs: env.sqs,
    dynamodb: env.dynamodb,
    tableName: env.tableName,
    fanoutQueueUrl: env.services.queues.fanout.url,
    rejectedPrefix: FUZZ_REJECTED_PREFIX,
    processingTime: () => FUZZ_NOW,
  };
  const itemsBefore = await countItems(env);

  let result;
  try {
    result = await parseDump(deps, object);
  } catch (error) {
    return { verdict: verdict.kind, failures: [`parseDump threw: ${String(error)}`] };
  }
  const fanout = env.services.server
    .inspectQueue(env.services.queues.fanout.name)
    ?.messages.ready.map((message) => decodeChunkMessage(message.body))
    .filter((message) => message.dumpId === result.dumpId);
  if (fanout === undefined) return { verdict: verdict.kind, failures: ['the fan-out queue is missing'] };

  if (verdict.kind === 'rejected') {
    if (result.kind !== 'rejected')
      fail(`parseDump said ${result.kind}, decodeDump rejected with ${verdict.code}`);
    else {
      if (result.code !== verdict.code)
        fail(`parseDump rejected with ${result.code}, decodeDump with ${verdict.code}`);
      if (!result.firstTime) fail('a first rejection was reported as a repeat');
    }
    const itemsAfter = await countItems(env);
    // A rejection after the spec's identity check also files the dump under its patient (erasure).
    const filed = rejectedDumpOwner(fuzz.bytes, verdict.code) === undefined ? 0 : 1;
    if (itemsAfter !== itemsBefore + 2 + filed)
      fail(
        `the table gained ${itemsAfter - itemsBefore} items, not just the claim and the ledger item${filed ? " and the patient's dump entry" : ''}`,
      );
    const underDump = await env.dynamodb.send(
      new QueryCommand({
        TableName: env.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: ledgerPk(result.dumpId) } },
        ConsistentRead: true,
      }),
    );
    const sortKeys = (underDump.Items ?? []).map((item) => item['sk']?.S);
    if (sortKeys.length !== 1 || sortKeys[0] !== LEDGER_SK)
      fail(`items under the dump id: ${sortKeys.join(', ')}`);
    const ledger = await env.dynamodb.send(
      new GetItemCommand({
        TableName: env.tableName,
        Key: { pk: { S: ledgerPk(result.dumpId) }, sk: { S: LEDGER_SK } },
        ConsistentRead: true,
      }),
    );
    if (ledger.Item?.['status']?.S !== 'REJECTED') fail(`ledger status is ${ledger.Item?.['status']?.S}`);
    if (ledger.Item?.['code']?.S !== verdict.code) fail(`ledger code is ${ledger.Item?.['code']?.S}`);
    if (fanout.length > 0) fail(`${fanout.length} chunk messages were sent for a rejected dump`);
    if (!sameBytes(await objectBytes(env, key), fuzz.bytes)) fail('the original object is gone or changed');
    if (!sameBytes(await objectBytes(env, `${FUZZ_REJECTED_PREFIX}${key}`), fuzz.bytes)) {
      fail('no faithful copy under the rejected prefix');
    }
    const again = await parseDump(deps, object);
    if (again.kind !== 'already-finished') fail(`a repeated notification gave ${again.kind}`);
    if ((await countItems(env)) !== itemsAfter) fail('a repeated notification stored items');
    return { verdict: 'rejected', code: verdict.code, failures };
  }

  if (result.kind !== 'fanned-out') {
    fail(`parseDump said ${result.kind}, decodeDump accepted`);
    return { verdict: 'accepted', failures };
  }
  const { decoded } = verdict;
  const nowDay = Math.floor(FUZZ_NOW / MS_PER_DAY);
  let live = 0;
  for (let i = 0; i < decoded.events.length; i++) if (decoded.events.dayNumber[i]! >= nowDay - 400) live++;
  if (result.redrive) fail('a first parse was reported as a re-drive');
  if (fanout.length !== result.chunksSent)
    fail(`${fanout.length} chunk messages queued, ${result.chunksSent} reported`);
  if (new Set(fanout.map((m) => m.chunkId)).size !== fanout.length) fail('chunk ids repeat');
  let copies = 0;
  const owner =
    fanout[0] === undefined
      ? undefined
      : await chunkWithOwner({ dynamodb: env.dynamodb, tableName: env.tableName }, fanout[0]);
  if (owner && (owner.patientId !== decoded.header.patientId || owner.deviceId !== decoded.header.deviceId)) {
    fail("the dump's ledger names another patient or device");
  }
  for (const message of fanout) {
    for (let i = 0; i < message.events.length; i++) copies += message.events.copies[i]!;
  }
  if (copies !== live) fail(`chunks carry ${copies} records, the dump has ${live} live ones`);
  if ((await objectBytes(env, `${FUZZ_REJECTED_PREFIX}${key}`)) !== undefined)
    fail('an accepted dump was quarantined');
  // Nothing consumes the fan-out queue here; emptying queues and bucket (keeping both) keeps the
  // next case's inspection small.
  env.services.server.reset();
  return { verdict: 'accepted', failures };
}
