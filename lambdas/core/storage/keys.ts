import { createHash } from 'node:crypto';
import { civilFromDays, daysFromCivil } from '../dump/days';
import { DAY_SUMMARY_SORT_KEY_PREFIX } from './stream-filter';

/**
 * Key layout of the one table (docs/data-model.md). Every key is built here, so the layout is
 * defined once and can be read back (the KPI function parses summary keys from the stream).
 */

const SECONDS_PER_DAY = 86_400;
/** Stored events live for their day + 400 days; the spec's retention. */
export const RETENTION_DAYS = 400;

/**
 * Ids are printable ASCII and may contain '#', the key separator: escaping '%' and '#' keeps
 * every key unambiguous and reversible.
 */
export function escapeId(id: string): string {
  return id.replace(/%/g, '%25').replace(/#/g, '%23');
}

export function unescapeId(escaped: string): string {
  return escaped.replace(/%23/g, '#').replace(/%25/g, '%');
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/**
 * `YYYY-MM-DD` as the spec writes days, for every year a valid timestamp can reach. Years past
 * 9999 (createdAt is not validated, so far-future events are valid) become `~{digits}{year}-MM-DD`:
 * '~' sorts after every digit and the digit count keeps longer years later, so the text still
 * sorts in day order and range queries over summaries stay correct.
 */
export function dayLabel(dayNumber: number): string {
  const { year, month, day } = civilFromDays(dayNumber);
  const yearText = year <= 9999 ? pad(year, 4) : `~${String(year).length}${year}`;
  return `${yearText}-${pad(month, 2)}-${pad(day, 2)}`;
}

const DAY_LABEL = /^(?:(\d{4})|~\d(\d{5,}))-(\d{2})-(\d{2})$/;

export function dayNumberFromLabel(label: string): number | undefined {
  const match = DAY_LABEL.exec(label);
  if (match === null) return undefined;
  const dayNumber = daysFromCivil(Number(match[1] ?? match[2]), Number(match[3]), Number(match[4]));
  return dayLabel(dayNumber) === label ? dayNumber : undefined;
}

/** dayLabel without dashes: the compact day inside partition keys and chunk ids. */
export function dayToken(dayNumber: number): string {
  return dayLabel(dayNumber).replace(/-/g, '');
}

/** TTL (epoch seconds) of everything that belongs to a day: the end of day + 400. */
export function dayTtl(dayNumber: number): number {
  return (dayNumber + RETENTION_DAYS + 1) * SECONDS_PER_DAY;
}

/** True once a day's items may be deleted by TTL at any moment, in any order (wall clock `nowMs`). */
export function isPastRetention(dayNumber: number, nowMs: number): boolean {
  return nowMs >= dayTtl(dayNumber) * 1000;
}

// ---- day summaries and KPIs ---------------------------------------------------------------

const SUMMARY_PREFIX = 'S#';

export function summaryPk(patientId: string, deviceId: string): string {
  return `${SUMMARY_PREFIX}${escapeId(patientId)}#${escapeId(deviceId)}`;
}

/** Parses summaryPk back into ids (the KPI function gets keys from the stream). */
export function parseSummaryPk(pk: string): { patientId: string; deviceId: string } | undefined {
  if (!pk.startsWith(SUMMARY_PREFIX)) return undefined;
  const parts = pk.slice(SUMMARY_PREFIX.length).split('#');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { patientId: unescapeId(parts[0]), deviceId: unescapeId(parts[1]) };
}

/** Must start with DAY#: the stream filter wakes the KPI function for these items only. */
export function daySk(dayNumber: number): string {
  return `${DAY_SUMMARY_SORT_KEY_PREFIX}${dayLabel(dayNumber)}`;
}

export function dayNumberFromDaySk(sk: string): number | undefined {
  if (!sk.startsWith(DAY_SUMMARY_SORT_KEY_PREFIX)) return undefined;
  return dayNumberFromLabel(sk.slice(DAY_SUMMARY_SORT_KEY_PREFIX.length));
}

/** Not DAY#-prefixed, so KPI writes never wake the KPI function again. */
export const KPI_SK = 'KPI';

// ---- event pages and the day lease ---------------------------------------------------------

/**
 * Event pages of a device-day, spread over `salts` partitions (page n lives in partition
 * (n - 1) mod salts), so even a device-day with hundreds of pages never concentrates its writes
 * on one partition key. The summary records generation, page count and salts, so a reader
 * computes exactly which partitions hold which pages.
 */
export function pagePk(dayNumber: number, patientId: string, deviceId: string, salt: number): string {
  return `E#${dayToken(dayNumber)}#${escapeId(patientId)}#${escapeId(deviceId)}#${salt}`;
}

/** The partition page `page` (1-based) of a generation with `salts` partitions lives in. */
export function pageSalt(page: number, salts: number): number {
  return (page - 1) % salts;
}

export const PAGE_SK_PREFIX = 'P#';
const PAGE_NUMBER_WIDTH = 6;
/** Pages per device-day generation the fixed-width sort key can number. */
export const MAX_PAGES_PER_DAY = 10 ** PAGE_NUMBER_WIDTH - 1;

/**
 * `P#{generation}#{page:6}`. The generation is fixed when a day's summary is created, so pages
 * that outlive their summary (TTL deletes items in any order) can never be mistaken for, or
 * collide with, the pages of a summary created later for the same day.
 */
export function pageSk(generation: string, page: number): string {
  return `${PAGE_SK_PREFIX}${generation}#${pad(page, PAGE_NUMBER_WIDTH)}`;
}

export function pageNumberFromSk(sk: string): number {
  return Number(sk.slice(sk.lastIndexOf('#') + 1));
}

/** The device-day's own partition, holding only its lease: a year dump's 365 leases never share a key. */
export function dayPk(dayNumber: number, patientId: string, deviceId: string): string {
  return `D#${dayToken(dayNumber)}#${escapeId(patientId)}#${escapeId(deviceId)}`;
}

export const DAY_LEASE_SK = 'LOCK';

// ---- devices of a patient and the table's layout ---------------------------------------------

/** One item per device a patient has stored events from: `dumpflow kpis --patient` and erasure list them. */
export function patientDevicesPk(patientId: string): string {
  return `I#${escapeId(patientId)}`;
}

export function patientDeviceSk(deviceId: string): string {
  return `DEVICE#${escapeId(deviceId)}`;
}

export function deviceIdFromSk(sk: string): string | undefined {
  return sk.startsWith('DEVICE#') ? unescapeId(sk.slice('DEVICE#'.length)) : undefined;
}

/** Beside a patient's devices, one item per dump of theirs that started: erasure finds their ledgers with it. */
export function patientDumpSk(dumpId: string): string {
  return `DUMP#${dumpId}`;
}

export function dumpIdFromPatientSk(sk: string): string | undefined {
  return sk.startsWith('DUMP#') ? sk.slice('DUMP#'.length) : undefined;
}

/** The item recording which storage layout the table holds (layout.ts). */
export const LAYOUT_KEY = { pk: 'META', sk: 'LAYOUT' } as const;

// ---- dump ledger --------------------------------------------------------------------------

/** Where an uploaded dump is: the object version the ledger tracks. */
export interface DumpRef {
  readonly bucket: string;
  readonly key: string;
  /** The object's versionId when the bucket is versioned, else its ETag. */
  readonly version: string;
  /** Which of the two `version` is, so the object can be named again (a re-drive). @default 'eTag' */
  readonly versionKind?: 'versionId' | 'eTag';
}

/** DynamoDB allows 2,048 bytes per partition key; long escaped object keys are digested. */
const MAX_CLAIM_PK_BYTES = 1024;

/**
 * The claim of an object key (`K#{bucket}/{key}`, sk `V#{version}`): the one item naming the
 * object, mapping each of its versions to the opaque dump id everything else uses. All versions
 * of a key share the partition, so `dumpflow status --dump KEY` finds them with one Query.
 */
export function claimPk(bucket: string, key: string): string {
  const plain = `K#${bucket}/${escapeId(key)}`;
  if (Buffer.byteLength(plain) <= MAX_CLAIM_PK_BYTES) return plain;
  return `K#sha256:${createHash('sha256').update(`${bucket}\0${key}`).digest('hex')}`;
}

export function claimSk(version: string): string {
  return `V#${escapeId(version)}`;
}

/**
 * The dump's ledger partition: `L#{dumpId}`, where the dump id is random and opaque, so that
 * logs, metrics, queue messages and error texts can name a dump without naming its object key
 * (which may hold a device id) or its patient.
 */
export function ledgerPk(dumpId: string): string {
  return `L#${dumpId}`;
}

export function dumpIdFromLedgerPk(pk: string): string | undefined {
  return pk.startsWith('L#') ? pk.slice(2) : undefined;
}

export const LEDGER_SK = 'LEDGER';
/** Parts of the chunk plan of a dump, written once before it starts processing (for re-drives). */
export const PLAN_SK_PREFIX = 'PLAN#';

export function planSk(planId: string, part: number): string {
  return `${PLAN_SK_PREFIX}${planId}#${pad(part, 4)}`;
}

export const CHUNK_SK_PREFIX = 'CHUNK#';

export function chunkSk(chunkId: string): string {
  return `${CHUNK_SK_PREFIX}${chunkId}`;
}

/** `{day token}-{part}`: deterministic, so a re-driven dump re-creates the same chunks. */
export function chunkId(dayNumber: number, part: number): string {
  return `${dayToken(dayNumber)}-${part}`;
}

/** The part a chunk id names (chunkId's inverse for the part). */
export function chunkPart(id: string): number {
  return Number(id.slice(id.lastIndexOf('-') + 1));
}
