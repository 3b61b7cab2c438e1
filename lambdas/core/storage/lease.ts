import {
  DeleteItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  type ConditionCheck,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { conditionalWrite } from './conditions';
import type { CapacityMeter } from './capacity';
import { DayBusyError } from './errors';
import { toAttributes } from './items';
import { DAY_LEASE_SK } from './keys';
import { backoffDelay, type RetryTiming } from './retry';
import type { TableAccess } from './table-access';

/**
 * A lease on one device-day, held from a worker's read of the day to its commit.
 *
 * Why: every commit of a device-day is guarded by the summary's version, so correctness never
 * depends on the lease; contention does. Without it, chunks of one day that arrive together (the
 * parts of a dense day, overlapping uploads of one device) would all read, classify and try to
 * commit, and all but one would be cancelled and start over, again and again. With it they take
 * turns, and each reads only the pages committed since it last looked. The lease's release is part
 * of the commit transaction (releaseDayLeaseItem), so a writer whose lease expired or was taken
 * over cannot commit: it cannot change stored state, however long it stalled.
 *
 * The lease expires, so a crashed worker blocks its day for at most leaseMs.
 */
export interface DayLeaseDeps extends TableAccess {
  /** Wall clock (ms), not the pinned processing time. */
  readonly clock: () => number;
  readonly timing: RetryTiming;
  readonly meter: CapacityMeter;
}

export interface DayLeaseOptions {
  readonly leaseMs: number;
  readonly waitMs: number;
}

/** The lease item and the condition under which it may be (re)taken: free, expired, or ours. */
function leasePut(tableName: string, pk: string, token: string, now: number, leaseMs: number) {
  return {
    TableName: tableName,
    Item: toAttributes({
      pk,
      sk: DAY_LEASE_SK,
      owner: token,
      expiresAt: now + leaseMs,
      // Clean-up only; expiresAt is what counts.
      ttl: Math.ceil((now + leaseMs) / 1000) + 3600,
    }),
    ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :token',
    ExpressionAttributeNames: { '#owner': 'owner' },
    ExpressionAttributeValues: toAttributes({ ':now': now, ':token': token }),
  };
}

type Attempt<T> = (now: number) => Promise<T | 'busy'>;

/** Runs `attempt` until it returns something other than 'busy', backing off; E_DAY_BUSY after waitMs. */
async function untilFree<T>(
  deps: DayLeaseDeps,
  day: string,
  waitMs: number,
  attempt: Attempt<T>,
): Promise<T> {
  const started = deps.clock();
  for (let n = 0; ; n++) {
    const result = await attempt(deps.clock());
    if (result !== 'busy') return result;
    const waited = deps.clock() - started;
    if (waited >= waitMs) throw new DayBusyError(day, waited);
    await deps.timing.sleep(Math.max(1, backoffDelay(n, 25, 1000, deps.timing.random)));
  }
}

export async function acquireDayLease(
  deps: DayLeaseDeps,
  pk: string,
  token: string,
  day: string,
  options: DayLeaseOptions,
): Promise<void> {
  await untilFree(deps, day, options.waitMs, async (now) => {
    const put = await conditionalWrite(deps.meter, () =>
      deps.dynamodb.send(
        new PutItemCommand({
          ...leasePut(deps.tableName, pk, token, now, options.leaseMs),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    // Taken by someone else, or met a transaction on the lease item (a holder's commit or
    // release): both are "busy", and a conflict is not retried by the SDK.
    return put.written ? 'acquired' : 'busy';
  });
}

/**
 * Takes the lease only while `check` holds: ONE TransactWriteItems of the ConditionCheck and the
 * lease Put, so when it succeeds the checked condition is true at the moment the lease starts, and
 * stays true while it is held if only lease holders can change the checked item (the day summary
 * changes only in a commit, which requires the lease). Lease contention (the lease Put refused, or
 * a transaction conflict) backs off and retries like acquireDayLease; 'condition-failed' means the
 * check failed and no lease was taken. A cancellation whose reasons are missing or unexpected also
 * answers 'condition-failed': the caller's fallback (the plain path) is always correct.
 */
export async function acquireDayLeaseIf(
  deps: DayLeaseDeps,
  pk: string,
  token: string,
  day: string,
  options: DayLeaseOptions,
  check: ConditionCheck,
): Promise<'acquired' | 'condition-failed'> {
  return untilFree(deps, day, options.waitMs, async (now) => {
    const take = await conditionalWrite(deps.meter, () =>
      deps.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { ConditionCheck: check },
            { Put: leasePut(deps.tableName, pk, token, now, options.leaseMs) },
          ],
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    if (take.written) return 'acquired';
    const [checked, lease] = take.reasons;
    if (checked === 'ConditionalCheckFailed') return 'condition-failed';
    if (take.conflict) return 'busy';
    if (lease === 'ConditionalCheckFailed') return 'busy';
    return 'condition-failed';
  });
}

/** Attempts at releasing a lease whose item keeps meeting a transaction (a waiter's conditional take-over). */
const RELEASE_ATTEMPTS = 5;

/**
 * Deletes the lease if this token still holds it; losing it in the meantime is not an error.
 * A release that keeps meeting transactions on the lease item gives up quietly: the lease expires
 * on its own, and failing the chunk for it would only burn one of the message's receives.
 */
export async function releaseDayLease(deps: DayLeaseDeps, pk: string, token: string): Promise<void> {
  for (let attempt = 1; attempt <= RELEASE_ATTEMPTS; attempt++) {
    const release = await conditionalWrite(deps.meter, () =>
      deps.dynamodb.send(
        new DeleteItemCommand({
          TableName: deps.tableName,
          Key: toAttributes({ pk, sk: DAY_LEASE_SK }),
          ConditionExpression: '#owner = :token',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: toAttributes({ ':token': token }),
          ReturnConsumedCapacity: 'TOTAL',
        }),
      ),
    );
    if (release.written || release.conditionFailed) return;
    if (!release.conflict) throw release.error;
    await deps.timing.sleep(Math.max(1, backoffDelay(attempt - 1, 25, 500, deps.timing.random)));
  }
}

/** Releases the lease inside the commit transaction; fails the commit if the lease was lost. */
export function releaseDayLeaseItem(tableName: string, pk: string, token: string): TransactWriteItem {
  return {
    Delete: {
      TableName: tableName,
      Key: toAttributes({ pk, sk: DAY_LEASE_SK }),
      ConditionExpression: '#owner = :token',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: toAttributes({ ':token': token }),
    },
  };
}
