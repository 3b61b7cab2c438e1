import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsUnits, localUnits, type BilledUnits } from './aws-billing';

/** Units and requests, as AWS bills them and as DynamoDB Local reported them. */
export interface MeteredCapacity {
  readonly requests: number;
  /** As AWS bills the same requests (aws-billing.ts): the figure to carry to a deployment. */
  readonly aws: BilledUnits;
  /** As DynamoDB Local reported them in ConsumedCapacity. */
  readonly dynamodbLocal: BilledUnits;
}

/** Sums what tapped clients consumed; give several clients one meter to sum them. */
export class CapacityTapMeter {
  private requests = 0;
  private readonly aws = { readUnits: 0, writeUnits: 0 };
  private readonly local = { readUnits: 0, writeUnits: 0 };

  record(
    commandName: string,
    input: unknown,
    consumed: ConsumedCapacity | ConsumedCapacity[] | undefined,
  ): void {
    this.requests++;
    const aws = awsUnits(commandName, input, consumed);
    const local = localUnits(commandName, consumed);
    this.aws.readUnits += aws.readUnits;
    this.aws.writeUnits += aws.writeUnits;
    this.local.readUnits += local.readUnits;
    this.local.writeUnits += local.writeUnits;
  }

  totals(): MeteredCapacity {
    return { requests: this.requests, aws: { ...this.aws }, dynamodbLocal: { ...this.local } };
  }
}

/** What was consumed between two totals. */
export function capacitySince(after: MeteredCapacity, before: MeteredCapacity): MeteredCapacity {
  return {
    requests: after.requests - before.requests,
    aws: {
      readUnits: after.aws.readUnits - before.aws.readUnits,
      writeUnits: after.aws.writeUnits - before.aws.writeUnits,
    },
    dynamodbLocal: {
      readUnits: after.dynamodbLocal.readUnits - before.dynamodbLocal.readUnits,
      writeUnits: after.dynamodbLocal.writeUnits - before.dynamodbLocal.writeUnits,
    },
  };
}

/**
 * Meters every successful request of `client`. The local runtime attaches it to the handlers'
 * own DynamoDB singleton, so the figures are what the deployed functions would be billed for
 * (they all ask for ReturnConsumedCapacity TOTAL), and the runtime's own bookkeeping reads, made
 * with another client, are not counted. Failed requests add nothing (AWS bills a cancelled
 * transaction's prepare phase too; that is left out, see docs/benchmarks.md).
 */
export function tapConsumedCapacity(
  client: DynamoDBClient,
  meter = new CapacityTapMeter(),
): CapacityTapMeter {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
        .ConsumedCapacity;
      meter.record(context.commandName ?? '', args.input, consumed);
      return result;
    },
    { step: 'initialize', name: 'dumpflowCapacityTap' },
  );
  return meter;
}
