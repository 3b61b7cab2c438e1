import type { DumpEvent } from '../../lambdas/core/dump/types';
import { allocatePageEvents, type PageEvents } from '../../lambdas/core/page/codec';
import { addHash, emptyFingerprint } from '../../lambdas/core/storage/fingerprint';
import { daySeed, eventHash, type Hash128 } from '../../lambdas/core/storage/hash';
import type { LedgerEntry } from '../../lambdas/core/ledger';
import { addEventToKpiInputs, emptyKpiInputs } from '../../lambdas/core/storage/summary';
import type { StoredDay } from '../../verify/types';
import { MS_PER_DAY } from './events';

export const PATIENT = 'PAT-1';
export const DEVICE = 'DEV-1';
export const SALT_BUCKETS = 10;
export const GENERATION = 'gen1';

/** `events` of one day as a page holds them: in identity order, as columns. */
export function pageEventsOf(events: readonly DumpEvent[]): PageEvents {
  const sorted = [...events].sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq || a.type - b.type);
  const page = allocatePageEvents(sorted.length);
  sorted.forEach((e, i) => {
    page.msOfDay[i] = e.timestamp - Math.floor(e.timestamp / MS_PER_DAY) * MS_PER_DAY;
    page.seq[i] = e.seq;
    page.type[i] = e.type;
    page.flags[i] = e.flags;
    page.value[i] = e.value;
    page.duration[i] = e.duration;
  });
  return page;
}

/**
 * A device-day stored as one commit would leave it: the first copy of each identity in page 1
 * (partition 0) and the day summary (count, fingerprint, KPI inputs, one page) describing exactly those.
 */
export function storedDayOf(dayNumber: number, events: readonly DumpEvent[]): StoredDay {
  const seed = daySeed(PATIENT, DEVICE, dayNumber);
  const first = new Map<string, DumpEvent>();
  for (const e of events) {
    const id = `${e.timestamp}/${e.seq}/${e.type}`;
    if (Math.floor(e.timestamp / MS_PER_DAY) === dayNumber && !first.has(id)) first.set(id, e);
  }
  const page = pageEventsOf([...first.values()]);
  const fingerprint = emptyFingerprint();
  const inputs = emptyKpiInputs();
  const hash: Hash128 = [0, 0, 0, 0];
  for (let i = 0; i < page.length; i++) {
    eventHash(
      page.msOfDay[i]!,
      page.seq[i]!,
      page.type[i]!,
      page.flags[i]!,
      page.value[i]!,
      page.duration[i]!,
      seed,
      hash,
    );
    addHash(fingerprint, hash);
    addEventToKpiInputs(inputs, page.type[i]!, page.value[i]!, page.duration[i]!);
  }
  return {
    patientId: PATIENT,
    deviceId: DEVICE,
    dayNumber,
    summary:
      page.length === 0
        ? undefined
        : {
            patientId: PATIENT,
            deviceId: DEVICE,
            dayNumber,
            version: 1,
            generation: GENERATION,
            pages: 1,
            salts: SALT_BUCKETS,
            fingerprint,
            inputs,
          },
    pages: page.length === 0 ? [] : [{ salt: 0, generation: GENERATION, page: 1, events: page }],
  };
}

/** A COMPLETE ledger entry; pass the counts and totals the dump should have. */
export function aLedger(overrides: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    dumpId: '0123456789abcdef01234567',
    status: 'COMPLETE',
    bucket: 'bucket',
    key: 'incoming/a.dump',
    version: 'etag',
    versionKind: 'eTag',
    uploadedAt: 0,
    now: 0,
    claimedAt: 0,
    counts: { records: 0, valid: 0, rejected: { R_TIME_RANGE: 0, R_VALUE: 0 }, expired: 0 },
    settledDuplicates: 0,
    settledConflicts: 0,
    chunksExpected: 1,
    done: 1,
    redrives: 0,
    totals: { stored: 0, duplicates: 0, conflicts: 0 },
    completedAt: 1,
    ...overrides,
  };
}
