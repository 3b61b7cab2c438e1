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

// ---- events -------------------------------------------------------------------------------

export function eventPk(salt: number, dayNumber: number, patientId: string, deviceId: string): string {
  return `${salt}#${dayToken(dayNumber)}#${escapeId(patientId)}#${escapeId(deviceId)}`;
}

/**
 * `MMMMMMMM-SSSSSSSS-TTTT`: msOfDay (8 decimal digits), seq (8 hex), type (4 hex). Fixed width,
 * so sort keys order by time, then seq, then type; equal within a device-day means same event.
 */
export function eventSk(msOfDay: number, seq: number, type: number): string {
  return `${pad(msOfDay, 8)}-${seq.toString(16).padStart(8, '0')}-${type.toString(16).padStart(4, '0')}`;
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

// ---- day digest and day lock --------------------------------------------------------------

/** Own partition per device-day: a year dump commits 365 digests at once without a hot key. */
export function digestPk(dayNumber: number, patientId: string, deviceId: string): string {
  return `D#${dayToken(dayNumber)}#${escapeId(patientId)}#${escapeId(deviceId)}`;
}

export const DIGEST_PAGE_PREFIX = 'P#';
const VERSION_WIDTH = 10;

/** Page written by the commit that moved the summary to `version`; zero-padded so pages sort. */
export function digestPageSk(version: number): string {
  return `${DIGEST_PAGE_PREFIX}${pad(version, VERSION_WIDTH)}`;
}

export function versionFromDigestPageSk(sk: string): number {
  return Number(sk.slice(DIGEST_PAGE_PREFIX.length));
}

/** Lives beside the digest pages (same partition), outside the P# range. */
export const DAY_LOCK_SK = 'LOCK';

// ---- dump ledger --------------------------------------------------------------------------

export interface DumpRef {
  readonly bucket: string;
  readonly key: string;
  /** The object's versionId when the bucket is versioned, else its ETag. */
  readonly version: string;
}

const LEDGER_PREFIX = 'L#';
/** DynamoDB allows 2,048 bytes per partition key; long escaped object keys are digested. */
const MAX_LEDGER_PK_BYTES = 1024;

export function ledgerPk(ref: DumpRef): string {
  const plain = `${LEDGER_PREFIX}${ref.bucket}/${escapeId(ref.key)}#${escapeId(ref.version)}`;
  if (Buffer.byteLength(plain) <= MAX_LEDGER_PK_BYTES) return plain;
  const digest = createHash('sha256').update(`${ref.bucket}\0${ref.key}\0${ref.version}`).digest('hex');
  return `${LEDGER_PREFIX}sha256:${digest}`;
}

export const LEDGER_SK = 'LEDGER';
/** The chunk plan of a dump, written once when it starts processing (for re-drives). */
export const PLAN_SK = 'PLAN';
export const CHUNK_SK_PREFIX = 'CHUNK#';

export function chunkSk(chunkId: string): string {
  return `${CHUNK_SK_PREFIX}${chunkId}`;
}

/** `{day token}-{part}`: deterministic, so a re-driven dump re-creates the same chunks. */
export function chunkId(dayNumber: number, part: number): string {
  return `${dayToken(dayNumber)}-${part}`;
}
