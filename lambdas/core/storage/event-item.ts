import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ChunkEvents } from './chunk-message';
import { saltOf } from './hash';
import { dayTtl, eventPk, eventSk } from './keys';

const MS_PER_DAY = 86_400_000n;
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

/** The stored event (< 200 bytes, so 1 WCU). */
export function eventItem(
  patientId: string,
  deviceId: string,
  dayNumber: number,
  seed: number,
  saltBuckets: number,
  events: ChunkEvents,
  k: number,
): Record<string, AttributeValue> {
  const msOfDay = events.msOfDay[k]!;
  const seq = events.seq[k]!;
  const type = events.type[k]!;
  return {
    pk: { S: eventPk(saltOf(msOfDay, seq, type, seed, saltBuckets), dayNumber, patientId, deviceId) },
    sk: { S: eventSk(msOfDay, seq, type) },
    // Exact even past 2^53 ms (createdAt is not validated, so far-future timestamps are valid).
    ts: { N: (BigInt(dayNumber) * MS_PER_DAY + BigInt(msOfDay)).toString() },
    seq: { N: String(seq) },
    type: { N: String(type) },
    flags: { N: String(events.flags[k]!) },
    value: valueAttribute(events.value[k]!),
    duration: { N: String(events.duration[k]!) },
    ttl: { N: String(dayTtl(dayNumber)) },
  };
}
