import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ledgerKey, type LedgerDeps } from '../ledger/entry';
import { CapacityMeter } from './capacity';
import type { ChunkEnvelope, ChunkMessage } from './chunk-message';
import { StoredItemError } from './errors';
import { readItem } from './items';

/**
 * A chunk message names its dump, not its patient or device (so queues never carry them): the
 * worker reads whose events they are from the dump's ledger, where the parser recorded them in the
 * same transaction that started the dump, before any chunk was sent. One strongly consistent
 * GetItem of a small item.
 */
export async function chunkWithOwner(deps: LedgerDeps, envelope: ChunkEnvelope): Promise<ChunkMessage> {
  const meter = deps.meter ?? new CapacityMeter();
  const response = await deps.dynamodb.send(
    new GetItemCommand({
      TableName: deps.tableName,
      Key: ledgerKey(envelope.dumpId),
      ProjectionExpression: 'patientId, deviceId',
      ConsistentRead: true,
      ReturnConsumedCapacity: 'TOTAL',
    }),
  );
  meter.record('read', response.ConsumedCapacity);
  const owner = response.Item && readItem(response.Item, `the ledger of dump ${envelope.dumpId}`);
  const patientId = owner?.optionalString('patientId');
  const deviceId = owner?.optionalString('deviceId');
  if (patientId === undefined || deviceId === undefined) {
    throw new StoredItemError(
      `the ledger of dump ${envelope.dumpId} does not say whose it is (chunk ${envelope.chunkId}); was the dump started?`,
    );
  }
  return { ...envelope, patientId, deviceId };
}
