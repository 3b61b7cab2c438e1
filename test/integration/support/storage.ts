import { paginateScan, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { decodePage } from '../../../lambdas/core/page/codec';
import {
  dayNumberFromLabel,
  dayToken,
  daySk,
  escapeId,
  PAGE_SK_PREFIX,
  pagePk,
  summaryPk,
} from '../../../lambdas/core/storage/keys';
import { queryAll } from '../../../lambdas/core/storage/query';
import { daySummaryFromItem, type DaySummary } from '../../../lambdas/core/storage/summary';
import type { TestTable } from './table';

/**
 * What the table holds, read raw (every page item found, whatever the summaries say), so tests see
 * exactly what was written: a page no summary counts would show up as extra events.
 */
export interface StoredEvent {
  /** The device-day the event is stored under: `{YYYYMMDD}#{patientId}#{deviceId}`, ids escaped. */
  readonly pk: string;
  readonly timestamp: number;
  readonly seq: number;
  readonly type: number;
  readonly flags: number;
  readonly value: number;
  readonly duration: number;
}

const MS_PER_DAY = 86_400_000;
/** E#{YYYYMMDD}#{patient}#{device}#{salt}, ids escaped (keys.pagePk). */
const PAGE_PK = /^E#([^#]+)#([^#]+)#([^#]+)#\d+$/;

function dayKey(token: string, patient: string, device: string): string {
  return `${token}#${patient}#${device}`;
}

/** The events of one page item. */
export function pageItemEvents(item: Record<string, AttributeValue>): StoredEvent[] {
  const match = PAGE_PK.exec(item['pk']?.S ?? '');
  if (!match) throw new Error(`not an event page: ${item['pk']?.S}`);
  const [, token, patient, device] = match as unknown as [string, string, string, string];
  // The token is dayLabel without its dashes: {year}{MM}{DD}, the year possibly '~'-prefixed.
  const dayNumber = dayNumberFromLabel(`${token.slice(0, -4)}-${token.slice(-4, -2)}-${token.slice(-2)}`);
  if (dayNumber === undefined) throw new Error(`not a day token: ${token}`);
  const page = decodePage(item['d']!.B!);
  return Array.from({ length: page.length }, (_, i) => ({
    pk: dayKey(token, patient, device),
    timestamp: dayNumber * MS_PER_DAY + page.msOfDay[i]!,
    seq: page.seq[i]!,
    type: page.type[i]!,
    flags: page.flags[i]!,
    value: page.value[i]!,
    duration: page.duration[i]!,
  }));
}

/** Every stored event in the table, from every page item, by a full scan. */
export async function scanEvents(table: TestTable): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  const pages = paginateScan(
    { client: table.dynamodb },
    { TableName: table.tableName, ConsistentRead: true },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      if (item['pk']?.S?.startsWith('E#')) events.push(...pageItemEvents(item));
    }
  }
  return events;
}

export async function readSummary(
  table: TestTable,
  patientId: string,
  deviceId: string,
  dayNumber: number,
): Promise<DaySummary | undefined> {
  const page = await table.dynamodb.send(
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

/**
 * Every page item of a device-day in the first `salts` partitions (all generations), raw: the
 * identities they hold as "msOfDay.seq.type", their events, and how many page items there are.
 */
export async function readDayPages(
  table: TestTable,
  patientId: string,
  deviceId: string,
  dayNumber: number,
  salts = 10,
): Promise<{ identities: string[]; events: StoredEvent[]; pages: number }> {
  const items = (
    await Promise.all(
      Array.from({ length: salts }, (_, salt) =>
        queryAll(table.dynamodb, {
          TableName: table.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: {
            ':pk': { S: pagePk(dayNumber, patientId, deviceId, salt) },
            ':p': { S: PAGE_SK_PREFIX },
          },
          ConsistentRead: true,
        }),
      ),
    )
  ).flat();
  const events = items.flatMap(pageItemEvents);
  const identities = events.map((e) => `${e.timestamp - dayNumber * MS_PER_DAY}.${e.seq}.${e.type}`);
  return { identities, events, pages: items.length };
}

/** The `pk` StoredEvent carries for a patient-device's day (for filtering scanEvents). */
export function storedDayKey(dayNumber: number, patientId: string, deviceId: string): string {
  return dayKey(dayToken(dayNumber), escapeId(patientId), escapeId(deviceId));
}
