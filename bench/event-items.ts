import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { dayToken, escapeId } from '../lambdas/core/storage/keys';

/**
 * The source design's layout, one DynamoDB item per event: what the benchmarks compare the
 * product's event pages with (the baseline's dedupe, the raw write ceiling). The product stopped
 * writing these items in storage layout 2; never import this from lambdas/ or lib/.
 */

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** `{salt}#{YYYYMMDD}#{patientId}#{deviceId}`: one of the day's salted partitions. */
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

/** DynamoDB Number's range; outside it (and for -0) the value is kept exactly as text. */
const MIN_NUMBER = 1e-130;
const MAX_NUMBER = 9.99e125;

/**
 * `value` is a Number when DynamoDB's Number type can hold the double exactly (it keeps 38 digits;
 * JS prints at most 17), otherwise a String with the double's shortest round-trip text, so no
 * finite double (1e-300, 5e-324, -0) is refused or altered. Readers use Number(text) either way.
 */
export function valueAttribute(value: number): AttributeValue {
  const magnitude = Math.abs(value);
  const fitsNumber =
    (value === 0 && !Object.is(value, -0)) || (magnitude >= MIN_NUMBER && magnitude <= MAX_NUMBER);
  return fitsNumber ? { N: String(value) } : { S: Object.is(value, -0) ? '-0' : String(value) };
}
