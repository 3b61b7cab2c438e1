import { DEFAULT_NOW } from '../generator';
import type { DecodedDump } from '../lambdas/core/dump/types';
import { buildChunkMessage, chunkMessageBody, planChunks } from '../lambdas/core/storage/chunks';
import { prepareDump } from '../lambdas/core/storage/prepare';

/** Chunk message bytes (the SQS body) per event for a dump none of whose days are stored yet. */
export function chunkBytesPerEvent(dump: DecodedDump): number {
  const prepared = prepareDump(dump, { now: DEFAULT_NOW });
  let bytes = 0;
  let events = 0;
  for (const plan of planChunks(prepared, prepared.days)) {
    bytes += Buffer.byteLength(
      chunkMessageBody(buildChunkMessage(prepared, plan, { dumpId: 'bench', uploadedAt: 0 })),
    );
    events += plan.end - plan.start;
  }
  return events > 0 ? bytes / events : 0;
}
