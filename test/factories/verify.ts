import type { DumpEvent } from '../../lambdas/core/dump/types';
import { allocateDigestEntries } from '../../lambdas/core/storage/digest';
import { addHash, emptyFingerprint } from '../../lambdas/core/storage/fingerprint';
import { contentHashOf, daySeed, eventHash, saltOf, type Hash128 } from '../../lambdas/core/storage/hash';
import { eventSk } from '../../lambdas/core/storage/keys';
import type { LedgerEntry } from '../../lambdas/core/storage/ledger';
import { addEventToKpiInputs, emptyKpiInputs } from '../../lambdas/core/storage/summary';
import type { StoredDay, StoredEvent } from '../../verify/types';
import { MS_PER_DAY } from './events';

export const PATIENT = 'PAT-1';
export const DEVICE = 'DEV-1';
export const SALT_BUCKETS = 10;

/** The event item the worker writes for `e`, as verify reads it back. */
export function storedEventOf(e: DumpEvent, patientId = PATIENT, deviceId = DEVICE): StoredEvent {
  const dayNumber = Math.floor(e.timestamp / MS_PER_DAY);
  const msOfDay = e.timestamp - dayNumber * MS_PER_DAY;
  return {
    salt: saltOf(msOfDay, e.seq, e.type, daySeed(patientId, deviceId, dayNumber), SALT_BUCKETS),
    sk: eventSk(msOfDay, e.seq, e.type),
    msOfDay,
    seq: e.seq,
    type: e.type,
    flags: e.flags,
    value: e.value,
    duration: e.duration,
    ts: String(e.timestamp),
  };
}

/**
 * A device-day stored as one commit would leave it: the first copy of each identity as an event
 * item, the day summary (count, fingerprint, KPI inputs) and digest page 1 describing exactly those.
 */
export function storedDayOf(dayNumber: number, events: readonly DumpEvent[]): StoredDay {
  const seed = daySeed(PATIENT, DEVICE, dayNumber);
  const first = new Map<string, StoredEvent>();
  for (const e of events) {
    const item = storedEventOf(e);
    if (Math.floor(e.timestamp / MS_PER_DAY) === dayNumber && !first.has(item.sk)) first.set(item.sk, item);
  }
  const items = [...first.values()];
  const fingerprint = emptyFingerprint();
  const inputs = emptyKpiInputs();
  const digest = allocateDigestEntries(items.length);
  const hash: Hash128 = [0, 0, 0, 0];
  items.forEach((item, i) => {
    eventHash(item.msOfDay, item.seq, item.type, item.flags, item.value, item.duration, seed, hash);
    addHash(fingerprint, hash);
    addEventToKpiInputs(inputs, item.type, item.value, item.duration);
    digest.msOfDay[i] = item.msOfDay;
    digest.seq[i] = item.seq;
    digest.type[i] = item.type;
    digest.contentHash[i] = contentHashOf(hash);
  });
  return {
    patientId: PATIENT,
    deviceId: DEVICE,
    dayNumber,
    events: items,
    summary:
      items.length === 0
        ? undefined
        : { patientId: PATIENT, deviceId: DEVICE, dayNumber, version: 1, fingerprint, inputs },
    digestPages: items.length === 0 ? [] : [{ version: 1, entries: digest }],
  };
}

/** A COMPLETE ledger entry; pass the counts and totals the dump should have. */
export function aLedger(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    dumpId: 'L#bucket/incoming/a.dump#etag',
    status: 'COMPLETE',
    bucket: 'bucket',
    key: 'incoming/a.dump',
    version: 'etag',
    uploadedAt: 0,
    now: 0,
    claimedAt: 0,
    counts: { records: 0, valid: 0, rejected: { R_TIME_RANGE: 0, R_VALUE: 0 }, expired: 0 },
    settledDuplicates: 0,
    settledConflicts: 0,
    chunksExpected: 1,
    doneChunks: 1,
    totals: { stored: 0, duplicates: 0, conflicts: 0 },
    completedAt: 1,
    ...overrides,
  };
}
