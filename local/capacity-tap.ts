import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CapacityMeter, type CapacityTotals } from '../lambdas/core/storage/capacity';

/** Commands whose plain CapacityUnits are read units; every other command's are write units. */
const READ_COMMANDS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
]);

export interface CapacityTap {
  /** Units reported since the tap was attached. */
  totals(): CapacityTotals;
}

/**
 * Sums the ConsumedCapacity every response of `client` reports. The local runtime attaches it to
 * the handlers' own DynamoDB singleton, so the figures are what the deployed functions would be
 * billed for (they all ask for ReturnConsumedCapacity TOTAL), and the runtime's own bookkeeping
 * reads, made with another client, are not counted. Failed requests report nothing and add nothing.
 * Give several clients one `meter` to sum them (one per emulated execution environment).
 */
export function tapConsumedCapacity(client: DynamoDBClient, meter = new CapacityMeter()): CapacityTap {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
        .ConsumedCapacity;
      if (consumed !== undefined) {
        meter.record(READ_COMMANDS.has(context.commandName ?? '') ? 'read' : 'write', consumed);
      }
      return result;
    },
    { step: 'initialize', name: 'dumpflowCapacityTap' },
  );
  return { totals: () => meter.snapshot() };
}
