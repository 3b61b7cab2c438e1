import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DecodedDump } from '../dump/types';
import { CapacityMeter, type CapacityTotals } from './capacity';
import { claimDump, type DumpCompletion } from '../ledger';
import { chunkWithOwner } from './chunk-owner';
import { decodeFanOutMessage, decodeStagedDay } from './day-message';
import { writeDenseDay } from './dense-day';
import { StoredItemError } from './errors';
import type { DumpRef } from './keys';
import { planFanOut } from './plan-fan-out';
import { writeChunk, type WriteChunkDeps, type WriteChunkResult } from './write-chunk';

export interface InProcessDeps extends Omit<WriteChunkDeps, 'meter'> {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** Processing time for the expiry rule (ms). */
  readonly now: number;
  /** Chunks written at once. @default 4 */
  readonly chunkConcurrency?: number;
  readonly maxChunkEvents?: number;
}

export interface InProcessResult {
  readonly dumpId: string;
  readonly claim: 'claimed' | 'redrive' | 'finished';
  readonly settledDays: number;
  /** Fan-out messages sent: one per chunk, one per dense day. */
  readonly chunks: number;
  readonly chunkResults: readonly WriteChunkResult[];
  readonly completion?: DumpCompletion;
  /** Parser side (claim, settle, start) and worker side (all chunks). */
  readonly parserCapacity: CapacityTotals;
  readonly workerCapacity: CapacityTotals;
}

/**
 * The whole pipeline for one decoded dump in this process, in the order the Lambda handlers run
 * it: claim -> prepare -> settle -> plan -> start -> (SQS body round trip) -> writeChunk per chunk.
 * For the bench, the CLI and integration tests; the deployed pipeline splits it across the parser
 * and worker functions with SQS in between.
 */
export async function ingestInProcess(
  deps: InProcessDeps,
  ref: DumpRef,
  dump: DecodedDump,
  uploadedAt: number,
): Promise<InProcessResult> {
  const parserMeter = new CapacityMeter();
  const ledgerDeps = {
    dynamodb: deps.dynamodb,
    tableName: deps.tableName,
    meter: parserMeter,
    ...(deps.clock ? { clock: deps.clock } : {}),
  };
  const claim = await claimDump(ledgerDeps, ref, { uploadedAt, now: deps.now });
  const { dumpId } = claim.ledger;
  const empty = { dumpId, claim: claim.kind, settledDays: 0, chunks: 0, chunkResults: [] };
  if (claim.kind === 'finished') {
    return {
      ...empty,
      parserCapacity: parserMeter.snapshot(),
      workerCapacity: new CapacityMeter().snapshot(),
    };
  }
  const plan = await planFanOut(ledgerDeps, claim.ledger, dump, { maxChunkEvents: deps.maxChunkEvents });
  const { started } = plan;
  const bodies = plan.messages.map((message) => message.body);
  const stagedObjects = new Map(plan.staged.map((staged) => [staged.key, staged.body]));

  const workerMeter = new CapacityMeter();
  const results: WriteChunkResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const workerDeps = { ...deps, meter: workerMeter };
      const message = decodeFanOutMessage(body);
      if (message.kind === 'chunk') {
        results.push(await writeChunk(workerDeps, await chunkWithOwner(workerDeps, message.chunk)));
        continue;
      }
      // A dense day: its staged object stays in memory here, where the Lambdas put it in S3.
      const staged = stagedObjects.get(message.day.staged.key);
      if (!staged) throw new StoredItemError(`dense day ${message.day.staged.key} was not staged`);
      results.push(...(await writeDenseDay(workerDeps, message.day, decodeStagedDay(staged))).results);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.chunkConcurrency ?? 4) }, worker));
  const completion =
    (started.kind === 'started' ? started.completion : undefined) ??
    results.find((r) => r.completion)?.completion;
  return {
    dumpId,
    claim: claim.kind,
    settledDays: plan.settledDays,
    chunks: bodies.length,
    chunkResults: results,
    ...(completion ? { completion } : {}),
    parserCapacity: parserMeter.snapshot(),
    workerCapacity: workerMeter.snapshot(),
  };
}
