import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { StoredItemError } from '../storage/errors';
import { readItem, toAttributes } from '../storage/items';
import { chunkId, CHUNK_SK_PREFIX, ledgerPk, planSk } from '../storage/keys';
import { queryItems } from '../storage/query';
import { context, ledgerTtl, type LedgerDeps } from './entry';

/**
 * A dump's chunk plan: which chunks it fanned out to, stored once so a re-drive re-sends exactly
 * those (and not what a new summary Query would choose). A dump may hold up to 2,000,000 records,
 * each on its own day (far-future timestamps are valid), so the plan is compact binary and split
 * over as many items as it needs:
 *
 *   u8 format (1) | varint count | per chunk, in (day, part) order:
 *     varint zigzag(day - previous day) | varint part          (then brotli)
 *
 * Consecutive days take about 2 bytes a chunk before compression and almost nothing after. Parts
 * are content-addressed (PLAN#{planId}#{n}, planId a hash of the bytes), so two parsers planning
 * the same dump at once write the same items, and a plan that loses the start transaction to
 * another never overwrites the winner's.
 */

export interface PlannedChunk {
  readonly dayNumber: number;
  readonly part: number;
}

const FORMAT = 1;
/** Bytes of plan per item: far from DynamoDB's 400 KB item limit. */
export const PLAN_PART_BYTES = 300_000;

function varint(out: number[], value: number): void {
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
}

export function encodePlan(chunks: readonly PlannedChunk[]): Uint8Array {
  const out: number[] = [FORMAT];
  varint(out, chunks.length);
  let previous = 0;
  for (const chunk of chunks) {
    const delta = chunk.dayNumber - previous;
    varint(out, delta >= 0 ? 2 * delta : -2 * delta - 1);
    varint(out, chunk.part);
    previous = chunk.dayNumber;
  }
  return brotliCompressSync(Uint8Array.from(out));
}

export function decodePlan(bytes: Uint8Array): PlannedChunk[] {
  let plain: Uint8Array;
  try {
    plain = brotliDecompressSync(bytes);
  } catch {
    throw new StoredItemError('a chunk plan does not decompress');
  }
  let pos = 0;
  const read = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (pos >= plain.length) throw new StoredItemError('a chunk plan ends inside a number');
      const byte = plain[pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw new StoredItemError('a chunk plan holds an over-long number');
  };
  if (plain[pos++] !== FORMAT) throw new StoredItemError('a chunk plan has an unknown format');
  const count = read();
  const chunks: PlannedChunk[] = [];
  let day = 0;
  for (let i = 0; i < count; i++) {
    const zigzag = read();
    day += zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
    chunks.push({ dayNumber: day, part: read() });
  }
  if (pos !== plain.length) throw new StoredItemError('a chunk plan has bytes after its last chunk');
  return chunks;
}

export interface StoredPlan {
  readonly planId: string;
  readonly parts: number;
}

/** Writes the plan's items (idempotent: the same plan writes the same items) and returns its id. */
export async function writePlan(
  deps: LedgerDeps,
  dumpId: string,
  chunks: readonly PlannedChunk[],
): Promise<StoredPlan> {
  const { clock, meter } = context(deps);
  const bytes = encodePlan(chunks);
  const planId = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const parts = Math.max(1, Math.ceil(bytes.length / PLAN_PART_BYTES));
  const ttl = ledgerTtl(clock());
  for (let part = 0; part < parts; part++) {
    const response = await deps.dynamodb.send(
      new PutItemCommand({
        TableName: deps.tableName,
        Item: toAttributes({
          pk: ledgerPk(dumpId),
          sk: planSk(planId, part),
          plan: bytes.subarray(part * PLAN_PART_BYTES, (part + 1) * PLAN_PART_BYTES),
          ttl,
        }),
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meter.record('write', response.ConsumedCapacity);
  }
  return { planId, parts };
}

/** The planned chunks of a started dump. */
export async function readPlan(deps: LedgerDeps, dumpId: string, plan: StoredPlan): Promise<PlannedChunk[]> {
  const { meter } = context(deps);
  const pieces: Uint8Array[] = [];
  for (let part = 0; part < plan.parts; part++) {
    const response = await deps.dynamodb.send(
      new GetItemCommand({
        TableName: deps.tableName,
        Key: toAttributes({ pk: ledgerPk(dumpId), sk: planSk(plan.planId, part) }),
        ConsistentRead: true,
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    meter.record('read', response.ConsumedCapacity);
    const what = `part ${part} of a dump's chunk plan`;
    const bytes = response.Item && readItem(response.Item, what).optionalBinary('plan');
    if (bytes === undefined) throw new StoredItemError(`${what} is missing`);
    pieces.push(bytes);
  }
  return decodePlan(Buffer.concat(pieces));
}

/** The outcome items of a dump's committed chunks (one Query of its CHUNK# items). */
export async function committedOutcomes(
  deps: LedgerDeps,
  dumpId: string,
): Promise<Map<string, Record<string, AttributeValue>>> {
  const outcomes = new Map<string, Record<string, AttributeValue>>();
  const items = queryItems(
    deps.dynamodb,
    {
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :chunk)',
      ExpressionAttributeValues: toAttributes({ ':pk': ledgerPk(dumpId), ':chunk': CHUNK_SK_PREFIX }),
      ConsistentRead: true,
    },
    deps.meter,
  );
  for await (const item of items) {
    outcomes.set(readItem(item, 'a chunk outcome').string('sk').slice(CHUNK_SK_PREFIX.length), item);
  }
  return outcomes;
}

/** The planned chunks that have no outcome yet: what a re-drive sends again. */
export async function pendingChunks(
  deps: LedgerDeps,
  dumpId: string,
  plan: StoredPlan,
): Promise<PlannedChunk[]> {
  const [planned, committed] = await Promise.all([
    readPlan(deps, dumpId, plan),
    committedOutcomes(deps, dumpId),
  ]);
  return planned.filter((chunk) => !committed.has(chunkId(chunk.dayNumber, chunk.part)));
}
