import type { DumpEvent } from '../../../lambdas/core/dump/types';
import { claimDump } from '../../../lambdas/core/ledger';
import type { ChunkMessage } from '../../../lambdas/core/storage/chunk-message';
import { decodeFanOutMessage, decodeStagedDay } from '../../../lambdas/core/storage/day-message';
import { chunkWithOwner } from '../../../lambdas/core/storage/chunk-owner';
import { chunkPart, type DumpRef } from '../../../lambdas/core/storage/keys';
import { planFanOut, type FanOutPlan } from '../../../lambdas/core/storage/plan-fan-out';
import { decodedDump } from '../../factories/events';
import type { TestTable } from './table';

let counter = 0;

export interface StartedDump {
  readonly ref: DumpRef;
  readonly dumpId: string;
  readonly plan: FanOutPlan;
  /**
   * The chunks as a worker gets them: the SQS body decoded (a dense day's parts from its staged
   * object), its owner read from the ledger.
   */
  readonly messages: ChunkMessage[];
}

/**
 * The parser's half for one dump of `events` (claim, prepare, settle, plan, start), as the parser
 * Lambda runs it, and its chunk messages as SQS delivers them to a worker.
 */
export async function startDump(
  table: TestTable,
  events: readonly DumpEvent[],
  options: {
    readonly patientId: string;
    readonly deviceId?: string;
    readonly now: number;
    readonly uploadedAt?: number;
    readonly maxChunkEvents?: number;
    readonly ref?: DumpRef;
  },
): Promise<StartedDump> {
  const ref = options.ref ?? { bucket: 'b', key: `dump-${process.pid}-${++counter}`, version: 'v' };
  const claim = await claimDump(table, ref, {
    uploadedAt: options.uploadedAt ?? options.now - 5_000,
    now: options.now,
  });
  const dump = decodedDump(events, { patientId: options.patientId, deviceId: options.deviceId ?? 'DEV-1' });
  const plan = await planFanOut(table, claim.ledger, dump, {
    ...(options.maxChunkEvents !== undefined && { maxChunkEvents: options.maxChunkEvents }),
  });
  const messages = await Promise.all(
    plan.messages.flatMap((message) => {
      const decoded = decodeFanOutMessage(message.body);
      if (decoded.kind === 'chunk') return [chunkWithOwner(table, decoded.chunk)];
      // A dense day: its parts, as writeDenseDay takes them from the staged object.
      const staged = plan.staged.find((object) => object.key === decoded.day.staged.key);
      const parts = new Set(decoded.day.parts);
      return decodeStagedDay(staged?.body ?? Buffer.alloc(0))
        .filter((chunk) => parts.has(chunkPart(chunk.chunkId)))
        .map((chunk) => chunkWithOwner(table, chunk));
    }),
  );
  return { ref, dumpId: claim.ledger.dumpId, plan, messages };
}
