import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { kpiKey, kpisFromItem, type StoredKpis } from '../kpi/kpi-item';
import type { PageEvents } from '../page/codec';
import { CapacityMeter } from './capacity';
import { StoredItemError } from './errors';
import { readItem, toAttributes } from './items';
import { deviceIdFromSk, patientDevicesPk } from './keys';
import { mergePages, readPages } from './pages';
import { queryItems } from './query';
import { daySummaryFromItem, daySummaryQuery, type DayRange, type DaySummary } from './summary';
import type { TableAccess } from './table-access';

/**
 * The read side of the store: a patient-device's exact stored events for a range of days, and its
 * KPIs. Everything is read strongly consistent: the day summaries of the range in one Query, then
 * each day's event pages from the partitions its summary names (pages.readPages).
 */

export interface ReadDeps extends TableAccess {
  /** Days read at once. @default 8 */
  readonly concurrency?: number;
}

/** One stored device-day: its summary and its events in identity order (msOfDay, seq, type). */
export interface StoredDay {
  readonly summary: DaySummary;
  readonly events: PageEvents;
}

/** The day summaries of a range, in day order. */
export async function* readDaySummaries(deps: ReadDeps, range: DayRange): AsyncGenerator<DaySummary> {
  const items = queryItems(deps.dynamodb, daySummaryQuery(deps.tableName, range), deps.meter);
  for await (const item of items) yield daySummaryFromItem(item);
}

/** A day's events from its pages, checked against the count its summary keeps. */
export async function readStoredDay(deps: ReadDeps, summary: DaySummary): Promise<StoredDay> {
  const events = mergePages(await readPages(deps, summary));
  if (events.length !== summary.inputs.events) {
    throw new StoredItemError(
      `day ${summary.dayNumber} holds ${events.length} events in its pages and ${summary.inputs.events} in its summary`,
    );
  }
  return { summary, events };
}

/**
 * Every stored day of the range with its events, in day order. The range's summaries are read
 * first (one Query; a year is ~100 KB), then up to `concurrency` days' pages at once, so a year of
 * days costs about as long as a few round trips, not 365. `onProgress` hears each day read.
 */
export async function* readStoredDays(
  deps: ReadDeps,
  range: DayRange,
  onProgress?: (daysRead: number, days: number) => void,
): AsyncGenerator<StoredDay> {
  const summaries: DaySummary[] = [];
  for await (const summary of readDaySummaries(deps, range)) summaries.push(summary);
  const concurrency = Math.max(1, deps.concurrency ?? 8);
  const ahead: Promise<StoredDay>[] = [];
  let read = 0;
  const next = async (): Promise<StoredDay> => {
    const day = await ahead.shift()!;
    onProgress?.(++read, summaries.length);
    return day;
  };
  onProgress?.(0, summaries.length);
  for (const summary of summaries) {
    const day = readStoredDay(deps, summary);
    // Awaited in order below; a failure while earlier days are still read must not go unhandled.
    day.catch(() => undefined);
    ahead.push(day);
    if (ahead.length >= concurrency) yield await next();
  }
  while (ahead.length > 0) yield await next();
}

/** The devices a patient has stored events from (the parser registers each on its first dump). */
export async function readPatientDevices(deps: ReadDeps, patientId: string): Promise<string[]> {
  const devices: string[] = [];
  const items = queryItems(
    deps.dynamodb,
    {
      TableName: deps.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: toAttributes({ ':pk': patientDevicesPk(patientId) }),
      ConsistentRead: true,
    },
    deps.meter,
  );
  for await (const item of items) {
    const deviceId = deviceIdFromSk(readItem(item, 'a patient item').string('sk'));
    if (deviceId !== undefined) devices.push(deviceId);
  }
  return devices;
}

/** The KPIs of one patient-device, or of every device of the patient, as the KPI function stored them. */
export async function readKpis(deps: ReadDeps, patientId: string, deviceId?: string): Promise<StoredKpis[]> {
  const meter = deps.meter ?? new CapacityMeter();
  const devices = deviceId === undefined ? await readPatientDevices(deps, patientId) : [deviceId];
  const found = await Promise.all(
    devices.map(async (device) => {
      const response = await deps.dynamodb.send(
        new GetItemCommand({
          TableName: deps.tableName,
          Key: kpiKey(patientId, device),
          ConsistentRead: true,
          ReturnConsumedCapacity: 'TOTAL',
        }),
      );
      meter.record('read', response.ConsumedCapacity);
      return response.Item ? kpisFromItem(response.Item) : undefined;
    }),
  );
  return found
    .filter((kpis): kpis is StoredKpis => kpis !== undefined)
    .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
}
