/**
 * UTC day arithmetic on day numbers (days since 1970-01-01). Works for any day number a u64
 * millisecond timestamp can produce (up to ~2.1e11), far beyond what Date can represent,
 * because createdAt is not validated and timestamps up to createdAt + 1 day are valid.
 */

export const MS_PER_DAY = 86_400_000;

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Proleptic Gregorian date of a day number (H. Hinnant's civil_from_days, in exact double arithmetic). */
export function civilFromDays(dayNumber: number): CivilDate {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

/** Day number of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Years as Date#toISOString writes them: 4 digits for 0..9999, else a sign and at least 6 digits. */
function formatYear(year: number): string {
  if (year >= 0 && year <= 9999) return pad(year, 4);
  return (year < 0 ? '-' : '+') + pad(Math.abs(year), 6);
}

/** `YYYY-MM-DD` for a day number; e.g. 0 -> 1970-01-01, 2_932_897 -> +010000-01-01. */
export function formatDay(dayNumber: number): string {
  const { year, month, day } = civilFromDays(dayNumber);
  return `${formatYear(year)}-${pad(month, 2)}-${pad(day, 2)}`;
}

const DAY_PATTERN = /^([+-]\d{6,}|\d{4})-(\d{2})-(\d{2})$/;

/** Inverse of formatDay; returns undefined for text that is not a real calendar date. */
export function parseDay(text: string): number | undefined {
  const match = DAY_PATTERN.exec(text);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const dayNumber = daysFromCivil(year, month, day);
  return formatDay(dayNumber) === text ? dayNumber : undefined;
}

/**
 * ISO 8601 text of an exact (dayNumber, msOfDay) instant, identical to Date#toISOString inside
 * Date's range and extended the same way beyond it (e.g. +584554049-...), so huge createdAt
 * values print instead of throwing.
 */
export function formatInstant(dayNumber: number, msOfDay: number): string {
  const hours = Math.floor(msOfDay / 3_600_000);
  const minutes = Math.floor((msOfDay % 3_600_000) / 60_000);
  const seconds = Math.floor((msOfDay % 60_000) / 1000);
  const millis = msOfDay % 1000;
  return `${formatDay(dayNumber)}T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(millis, 3)}Z`;
}

/** Splits an exact non-negative integer millisecond count (number below 2^53, or bigint) into day and ms-of-day. */
export function splitTimestamp(timestamp: number | bigint): { dayNumber: number; msOfDay: number } {
  if (typeof timestamp === 'bigint') {
    const day = timestamp / 86_400_000n;
    let rem = timestamp % 86_400_000n;
    let dayNumber = Number(day);
    if (rem < 0n) {
      rem += 86_400_000n;
      dayNumber -= 1;
    }
    return { dayNumber, msOfDay: Number(rem) };
  }
  const msOfDay = ((timestamp % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
  return { dayNumber: (timestamp - msOfDay) / MS_PER_DAY, msOfDay };
}
