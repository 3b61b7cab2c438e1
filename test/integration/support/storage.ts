import { QueryCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { decodeDigestPage } from '../../../lambdas/core/storage/digest';
import { digestPk, summaryPk, daySk } from '../../../lambdas/core/storage/keys';
import { daySummaryFromItem, type DaySummary } from '../../../lambdas/core/storage/summary';
import type { TestTable } from './table';

export interface StoredEvent {
  readonly pk: string;
  readonly sk: string;
  readonly timestamp: number;
  readonly seq: number;
  readonly type: number;
  readonly flags: number;
  readonly value: number;
  readonly duration: number;
}

export function storedEventOf(pk: string, item: Record<string, AttributeValue>): StoredEvent {
  return {
    pk,
    sk: item['sk']?.S ?? '',
    timestamp: Number(item['ts']?.N),
    seq: Number(item['seq']?.N),
    type: Number(item['type']?.N),
    flags: Number(item['flags']?.N),
    value: Number(item['value']?.N ?? item['value']?.S),
    duration: Number(item['duration']?.N),
  };
}

/** Every event item in the table (pk starts with the salt digit), by a full scan. */
export async function scanEvents(table: TestTable): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await table.client.send(
      new ScanCommand({ TableName: table.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
    );
    for (const item of page.Items ?? []) {
      const pk = item['pk']?.S ?? '';
      if (!/^\d/.test(pk)) continue;
      events.push(storedEventOf(pk, item));
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return events;
}

export async function readSummary(
  table: TestTable,
  patientId: string,
  deviceId: string,
  dayNumber: number,
): Promise<DaySummary | undefined> {
  const page = await table.client.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND sk = :sk',
      ExpressionAttributeValues: {
        ':pk': { S: summaryPk(patientId, deviceId) },
        ':sk': { S: daySk(dayNumber) },
      },
      ConsistentRead: true,
    }),
  );
  const item = page.Items?.[0];
  return item ? daySummaryFromItem(item) : undefined;
}

/** All identities in a device-day's digest, as "msOfDay.seq.type" -> content hash. */
export async function readDigest(
  table: TestTable,
  patientId: string,
  deviceId: string,
  dayNumber: number,
): Promise<{ identities: string[]; pages: number }> {
  const identities: string[] = [];
  const page = await table.client.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: {
        ':pk': { S: digestPk(dayNumber, patientId, deviceId) },
        ':p': { S: 'P#' },
      },
      ConsistentRead: true,
    }),
  );
  for (const item of page.Items ?? []) {
    const entries = decodeDigestPage(item['d']!.B!);
    for (let i = 0; i < entries.length; i++) {
      identities.push(`${entries.msOfDay[i]}.${entries.seq[i]}.${entries.type[i]}`);
    }
  }
  return { identities, pages: page.Items?.length ?? 0 };
}
