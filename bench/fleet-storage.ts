/**
 * What the fleet run tells about storage at steady state: the size of a stored device-day's items
 * as the stream writes them (a day gets a page from the upload made during it and one from the
 * next upload, so steady-state days hold more, smaller pages than a first upload's), of a day
 * summary, of a patient-device's KPI and device items, and of the ledger items each upload leaves
 * (kept for the retention period like the days).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { BenchClient } from './bench-client';
import {
  ITEM_OVERHEAD_BYTES,
  itemClass,
  scanBilledStorage,
  sumClasses,
  type BilledStorage,
} from './billed-storage';
import { addNumbers } from './kinds';
import type { PagesWritten } from './partition-meter';
import type { ProjectFigures } from './paths';

export interface FleetStorageFigures {
  /** Event pages the measured uploads put. */
  readonly streamPages: PagesWritten;
  /** Page bytes (`d`) per event, and the rest of a page item (keys, n, ttl), as the stream wrote them. */
  readonly pageDataBytesPerEvent: number;
  readonly pageFixedBytes: number;
  /** Billed bytes (item + 100) of the stream's pages per event they hold. */
  readonly streamPageBilledBytesPerEvent: number;
  /** Average billed bytes of one day summary, and of one patient-device's KPI + device items. */
  readonly summaryBilledBytes: number;
  readonly perPatientDeviceBilledBytes: number;
  /** Ledger, plan and chunk-outcome items the measured uploads left, billed bytes per upload. */
  readonly ledgerBilledBytesPerUpload: number;
  /** The whole project table after the run, per class (`stream-` classes: the measured uploads' ledger items). */
  readonly table: BilledStorage;
}

export async function fleetStorageFigures(
  bench: BenchClient,
  tableName: string,
  uploads: readonly { readonly project: Pick<ProjectFigures, 'pagesWritten'> }[],
  streamLedgerPrefix: string,
): Promise<FleetStorageFigures> {
  const classify = (item: Record<string, AttributeValue>) => {
    const name = itemClass(item);
    return (item['pk']?.S ?? '').startsWith(streamLedgerPrefix) ? `stream-${name}` : name;
  };
  const table = await scanBilledStorage(bench.dynamodb, tableName, classify);
  const pages = uploads.reduce<PagesWritten>((sum, u) => addNumbers(sum, u.project.pagesWritten), {
    items: 0,
    bytes: 0,
    dataBytes: 0,
    events: 0,
  });
  const summaries = table.byClass['summary'];
  const perDevice = sumClasses(table.byClass, ['kpi', 'patient-device']);
  const devices = table.byClass['patient-device']?.items ?? 0;
  const ledger = sumClasses(table.byClass, ['stream-ledger', 'stream-plan', 'stream-chunk-outcome']);
  const per = (x: number, n: number) => (n > 0 ? x / n : 0);
  return {
    streamPages: pages,
    pageDataBytesPerEvent: per(pages.dataBytes, pages.events),
    pageFixedBytes: per(pages.bytes - pages.dataBytes, pages.items),
    streamPageBilledBytesPerEvent: per(pages.bytes + ITEM_OVERHEAD_BYTES * pages.items, pages.events),
    summaryBilledBytes: per(summaries?.billedBytes ?? 0, summaries?.items ?? 0),
    perPatientDeviceBilledBytes: per(perDevice.billedBytes, devices),
    ledgerBilledBytesPerUpload: per(ledger.billedBytes, uploads.length),
    table,
  };
}
