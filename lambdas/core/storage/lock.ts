import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import type { CapacityMeter } from './capacity';
import { DayBusyError } from './errors';
import { DAY_LOCK_SK } from './keys';
import { backoffDelay, type RetryTiming } from './retry';

/**
 * A lease on one device-day, held while a worker writes new events and commits them.
 *
 * Why: BatchWriteItem cannot be conditional. Two workers that both saw identity X as new (two
 * dumps with conflicting copies of X) would both write X's item; the one whose commit loses
 * could overwrite the winner's content after the fact, leaving the stored event different from
 * the digest and the KPI inputs. Holding the lease from the event writes to the commit makes
 * "first stored wins" true for the event items too. Chunks of different device-days never wait.
 *
 * The lease expires (a crashed worker cannot block a day for longer than leaseMs); the worker's
 * time limit must be shorter than the lease so a stalled worker cannot write after losing it.
 */
export interface DayLockDeps {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Wall clock (ms), not the pinned processing time. */
  readonly clock: () => number;
  readonly timing: RetryTiming;
  readonly meter: CapacityMeter;
}

export interface DayLockOptions {
  readonly leaseMs: number;
  readonly waitMs: number;
}

export async function acquireDayLock(
  deps: DayLockDeps,
  pk: string,
  token: string,
  day: string,
  options: DayLockOptions,
): Promise<void> {
  const started = deps.clock();
  for (let attempt = 0; ; attempt++) {
    const now = deps.clock();
    try {
      const response = await deps.client.send(
        new PutItemCommand({
          TableName: deps.tableName,
          Item: {
            pk: { S: pk },
            sk: { S: DAY_LOCK_SK },
            owner: { S: token },
            expiresAt: { N: String(now + options.leaseMs) },
            // Clean-up only; expiresAt is what counts.
            ttl: { N: String(Math.ceil((now + options.leaseMs) / 1000) + 3600) },
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :token',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': { N: String(now) }, ':token': { S: token } },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      deps.meter.record('write', response.ConsumedCapacity);
      return;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      deps.meter.record('write', undefined);
    }
    const waited = deps.clock() - started;
    if (waited >= options.waitMs) throw new DayBusyError(day, waited);
    await deps.timing.sleep(Math.max(1, backoffDelay(attempt, 25, 1000, deps.timing.random)));
  }
}

/** Deletes the lease if this token still holds it; losing it in the meantime is not an error. */
export async function releaseDayLock(deps: DayLockDeps, pk: string, token: string): Promise<void> {
  try {
    const response = await deps.client.send(
      new DeleteItemCommand({
        TableName: deps.tableName,
        Key: { pk: { S: pk }, sk: { S: DAY_LOCK_SK } },
        ConditionExpression: '#owner = :token',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':token': { S: token } },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    deps.meter.record('write', response.ConsumedCapacity);
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    deps.meter.record('write', undefined);
  }
}

/** Releases the lease inside the commit transaction; fails the commit if the lease was lost. */
export function releaseDayLockItem(tableName: string, pk: string, token: string): TransactWriteItem {
  return {
    Delete: {
      TableName: tableName,
      Key: { pk: { S: pk }, sk: { S: DAY_LOCK_SK } },
      ConditionExpression: '#owner = :token',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':token': { S: token } },
    },
  };
}
