import type { DecodedDump, EventColumns, RejectedRecordCounts } from '../dump/types';
import { addHash, emptyFingerprint, type Fingerprint } from './fingerprint';
import { daySeed, eventHash, type Hash128 } from './hash';
import { dayLabel, RETENTION_DAYS } from './keys';

const MS_PER_DAY = 86_400_000;

/**
 * One UTC day of a dump after expiry and intra-dump dedupe, ready for the whole-day check and
 * for chunking. Records are grouped into variants: one variant per distinct (identity, content)
 * in the day, represented by its first copy. Variants are sorted by identity (msOfDay, seq, type);
 * the variants of one identity are adjacent, in order of first appearance in the file, so the
 * first of them is the copy that wins when the identity is new.
 */
export interface PreparedDay {
  readonly dayNumber: number;
  /** YYYY-MM-DD (see keys.dayLabel for years past 9999). */
  readonly day: string;
  /** daySeed(patientId, deviceId, dayNumber). */
  readonly seed: number;
  /** Valid, non-expired records of the day, every copy counted. */
  readonly records: number;
  /** Index into the dump's EventColumns of each variant's first copy. */
  readonly variants: Uint32Array;
  /** Records per variant (1 + exact repeats). */
  readonly copies: Uint32Array;
  /** Distinct identities = what the day holds once stored. */
  readonly identities: number;
  /** Sum of eventHash over each identity's first copy: equals the stored summary's fp when the day is stored as is. */
  readonly fingerprint: Fingerprint;
  /** Records whose content differs from their identity's first copy in this dump. */
  readonly intraConflicts: number;
}

export interface PreparedDump {
  readonly patientId: string;
  readonly deviceId: string;
  readonly events: EventColumns;
  /** The header's recordCount. */
  readonly records: number;
  readonly valid: number;
  readonly rejected: RejectedRecordCounts;
  readonly expired: number;
  /** Processing time the expiry rule used (ms); kept so a re-drive decides the same way. */
  readonly now: number;
  /** Days with at least one non-expired record, ascending. */
  readonly days: readonly PreparedDay[];
}

/** True when day `dayNumber` is more than 400 days below the day of `now` (the spec's expiry). */
export function isExpiredDay(dayNumber: number, now: number): boolean {
  return dayNumber < Math.floor(now / MS_PER_DAY) - RETENTION_DAYS;
}

function sameContent(e: EventColumns, a: number, b: number): boolean {
  return e.flags[a] === e.flags[b] && e.duration[a] === e.duration[b] && Object.is(e.value[a], e.value[b]);
}

function sameIdentity(e: EventColumns, a: number, b: number): boolean {
  return e.msOfDay[a] === e.msOfDay[b] && e.seq[a] === e.seq[b] && e.type[a] === e.type[b];
}

/**
 * The parser's pure step after decoding: applies expiry per day, groups each day's records into
 * variants (intra-dump duplicates collapse, first copy in file order first) and computes the
 * fingerprint the whole-day shortcut compares with the stored summary.
 */
export function prepareDump(dump: DecodedDump, options: { readonly now: number }): PreparedDump {
  const { events } = dump;
  const { patientId, deviceId } = dump.header;
  let expired = 0;
  const days: PreparedDay[] = [];
  const hash: Hash128 = [0, 0, 0, 0];

  for (const group of dump.days) {
    if (isExpiredDay(group.dayNumber, options.now)) {
      expired += group.indices.length;
      continue;
    }
    const order = Array.from(group.indices);
    // Stable by file position within an identity; V8's TimSort is ~linear on the usual time-ordered input.
    order.sort(
      (a, b) =>
        events.msOfDay[a]! - events.msOfDay[b]! ||
        events.seq[a]! - events.seq[b]! ||
        events.type[a]! - events.type[b]! ||
        a - b,
    );
    const seed = daySeed(patientId, deviceId, group.dayNumber);
    const variants: number[] = [];
    const copies: number[] = [];
    const fingerprint = emptyFingerprint();
    let identities = 0;
    let intraConflicts = 0;
    let groupStart = 0; // first variant slot of the current identity
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      if (k > 0 && sameIdentity(events, order[k - 1]!, i)) {
        if (!sameContent(events, variants[groupStart]!, i)) intraConflicts++;
        let slot = groupStart;
        while (slot < variants.length && !sameContent(events, variants[slot]!, i)) slot++;
        if (slot < variants.length) copies[slot]!++;
        else {
          variants.push(i);
          copies.push(1);
        }
        continue;
      }
      groupStart = variants.length;
      variants.push(i);
      copies.push(1);
      identities++;
      eventHash(
        events.msOfDay[i]!,
        events.seq[i]!,
        events.type[i]!,
        events.flags[i]!,
        events.value[i]!,
        events.duration[i]!,
        seed,
        hash,
      );
      addHash(fingerprint, hash);
    }
    days.push({
      dayNumber: group.dayNumber,
      day: dayLabel(group.dayNumber),
      seed,
      records: order.length,
      variants: Uint32Array.from(variants),
      copies: Uint32Array.from(copies),
      identities,
      fingerprint,
      intraConflicts,
    });
  }

  return {
    patientId,
    deviceId,
    events,
    records: dump.header.recordCount,
    valid: events.length,
    rejected: { ...dump.rejectedRecords },
    expired,
    now: options.now,
    days,
  };
}
