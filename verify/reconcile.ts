import { identityKey, type DecodedDump } from '../lambdas/core/dump';
import { RECORD_ERROR_CODES } from '../lambdas/core/dump/types';
import {
  addHash,
  emptyFingerprint,
  fingerprintsEqual,
  fingerprintToHex,
} from '../lambdas/core/storage/fingerprint';
import { daySeed, eventHash, type Hash128 } from '../lambdas/core/storage/hash';
import { dayLabel, dayTtl, pageSalt } from '../lambdas/core/storage/keys';
import type { LedgerEntry } from '../lambdas/core/ledger';
import { isExpiredDay, prepareDump } from '../lambdas/core/storage/prepare';
import { addEventToKpiInputs, emptyKpiInputs, type KpiInputs } from '../lambdas/core/storage/summary';
import type { Difference, StoredContent, StoredDay, StoredDayIndex, StoredPage } from './types';

/**
 * The pure half of `dumpflow verify`: given what the bucket and the table hold, the differences
 * between them. No I/O here, so every check is unit-tested on hand-built inputs. One file for the
 * checks of docs/verify.md's table, in its order, so the table and the code read side by side.
 */

/** Shown in a difference; a list longer than this ends in "...". */
const SHOWN_IDENTITIES = 3;

export function daySubject(patientId: string, deviceId: string, dayNumber: number): string {
  return `${patientId}/${deviceId}/${dayLabel(dayNumber)}`;
}

function shortList(items: readonly string[], total: number): string {
  return items.join(', ') + (total > items.length ? ', ...' : '');
}

/** The events of the pages the summary counts (its generation), by identity; an identity held twice counts its copies. */
export function indexStoredDay(day: StoredDay): Map<string, StoredContent> {
  const index = new Map<string, StoredContent>();
  for (const page of countedPages(day)) {
    const e = page.events!;
    for (let i = 0; i < e.length; i++) {
      const key = identityKey(e, i);
      const seen = index.get(key);
      if (seen) index.set(key, { ...seen, copies: seen.copies + 1 });
      else index.set(key, { flags: e.flags[i]!, value: e.value[i]!, duration: e.duration[i]!, copies: 1 });
    }
  }
  return index;
}

/** The decodable pages of the summary's generation: what readers (and the workers' dedupe) see. */
function countedPages(day: StoredDay): StoredPage[] {
  const generation = day.summary?.generation;
  return day.pages.filter((page) => page.generation === generation && page.events !== undefined);
}

function kpiInputsDiffer(a: KpiInputs, b: KpiInputs): string[] {
  const names = ['events', 'therapySeconds', 'apneaHypopnea', 'leakSum', 'leakCount', 'alarms'] as const;
  return names
    .filter((name) => a[name] !== b[name])
    .map((name) => `${name} ${String(a[name])} != ${String(b[name])}`);
}

/**
 * Check (c) and the event-level half of (b) for one device-day: its summary's pages 1..pages all
 * present, decodable and each in the partition its number gives; no page of another generation
 * (nothing counts it); no identity stored twice; and the summary's count, fingerprint and KPI
 * inputs equal to those of the stored events.
 */
export function reconcileDay(day: StoredDay): Difference[] {
  const subject = daySubject(day.patientId, day.deviceId, day.dayNumber);
  const differences: Difference[] = [];
  const problems: string[] = [];
  const { summary } = day;
  const seed = daySeed(day.patientId, day.deviceId, day.dayNumber);

  const counted = day.pages.filter((page) => summary !== undefined && page.generation === summary.generation);
  const uncounted = day.pages.length - counted.length;
  if (summary === undefined && uncounted > 0) {
    problems.push(`no day summary, but ${uncounted} event page(s)`);
  } else if (uncounted > 0) {
    problems.push(
      `${uncounted} event page(s) of another generation than the summary's, which nothing counts`,
    );
  }
  const misplaced = counted.filter((page) => page.salt !== pageSalt(page.page, summary!.salts));
  if (misplaced.length > 0) {
    differences.push({
      kind: 'EVENT_MISPLACED',
      subject,
      detail: `${misplaced.length} event page(s) sit in a partition their page number does not give (${shortList(
        misplaced.slice(0, SHOWN_IDENTITIES).map((page) => `page ${page.page} in partition ${page.salt}`),
        misplaced.length,
      )}); readers looking in the right place miss them`,
    });
  }
  if (summary !== undefined) {
    const numbers = counted.map((page) => page.page);
    const present = new Set(numbers);
    const missing = Array.from({ length: summary.pages }, (_, i) => i + 1).filter((n) => !present.has(n));
    if (missing.length > 0) {
      problems.push(
        `event page(s) ${shortList(missing.slice(0, 10).map(String), missing.length)} of 1..${summary.pages} (the summary's count) are missing`,
      );
    }
    const extra = [...present].filter((n) => n > summary.pages);
    if (extra.length > 0)
      problems.push(`event page(s) ${extra.join(',')} are past the summary's ${summary.pages}`);
    if (numbers.length !== present.size) problems.push('an event page number appears twice');
  }
  for (const page of counted.filter((p) => p.events === undefined)) {
    problems.push(`event page ${page.page} does not decode (${page.error ?? 'unknown error'})`);
  }

  const index = indexStoredDay(day);
  const duplicated = [...index].filter(([, content]) => content.copies > 1);
  if (duplicated.length > 0) {
    differences.push({
      kind: 'EVENT_DUPLICATED',
      subject,
      detail: `${duplicated.length} identit${duplicated.length === 1 ? 'y is' : 'ies are'} stored more than once (${shortList(
        duplicated.slice(0, SHOWN_IDENTITIES).map(([key, content]) => `${key} x${content.copies}`),
        duplicated.length,
      )})`,
    });
  }

  if (summary !== undefined) {
    const fingerprint = emptyFingerprint();
    const inputs = emptyKpiInputs();
    const hash: Hash128 = [0, 0, 0, 0];
    for (const page of countedPages(day)) {
      const e = page.events!;
      for (let i = 0; i < e.length; i++) {
        eventHash(e.msOfDay[i]!, e.seq[i]!, e.type[i]!, e.flags[i]!, e.value[i]!, e.duration[i]!, seed, hash);
        addHash(fingerprint, hash);
        addEventToKpiInputs(inputs, e.type[i]!, e.value[i]!, e.duration[i]!);
      }
    }
    problems.push(
      ...kpiInputsDiffer(summary.inputs, inputs).map((text) => `summary ${text} (summary != events)`),
    );
    if (!fingerprintsEqual(summary.fingerprint, fingerprint)) {
      problems.push(
        `summary fp ${fingerprintToHex(summary.fingerprint)} != ${fingerprintToHex(fingerprint)} of the stored events`,
      );
    }
  }
  if (problems.length > 0) {
    differences.push({ kind: 'DAY_INCONSISTENT', subject, detail: problems.join('; ') });
  }
  return differences;
}

export interface ValidDumpInput {
  /** The object key. */
  readonly key: string;
  readonly decoded: DecodedDump;
  readonly ledger: LedgerEntry | undefined;
  /** The stored events of a device-day of this dump's device (every non-expired day is asked for). */
  readonly storedDay: (dayNumber: number) => StoredDayIndex;
  /** When retention is judged (see isPastRetention); days past it are not compared. */
  readonly retainedAt?: number;
}

export interface ValidDumpResult {
  readonly differences: Difference[];
  /** Non-expired valid records compared with the stored events. */
  readonly recordsChecked: number;
}

/**
 * Whether DynamoDB may already have deleted a day's items: its time-to-live (day + 400 days) has
 * passed at `retainedAt`. TTL deletes some time after that, not all at once, so such a day can be
 * whole, partly gone or empty, and none of that is a difference.
 */
export function isPastRetention(dayNumber: number, retainedAt: number | undefined): boolean {
  return retainedAt !== undefined && dayTtl(dayNumber) * 1000 <= retainedAt;
}

/**
 * The days verify must read for a valid dump: the days the parser kept (not expired at the ledger's
 * processing time) that TTL cannot have deleted yet at `retainedAt`.
 */
export function daysToRead(decoded: DecodedDump, ledger: LedgerEntry, retainedAt?: number): number[] {
  return decoded.days
    .map((day) => day.dayNumber)
    .filter((day) => !isExpiredDay(day, ledger.now) && !isPastRetention(day, retainedAt));
}

/**
 * Checks (a) and (b) for one valid dump: its ledger COMPLETE with counts that match the file, and
 * every identity of its non-expired records stored. Expiry is decided at the ledger's processing
 * time (`now`, fixed at claim), as the parser decided it. Conflicts are recounted from the stored
 * copies: whichever upload stored an identity first, a record conflicts exactly when its flags,
 * value or duration differ from the stored copy, which is how the storage core counts them.
 */
export function reconcileValidDump(input: ValidDumpInput): ValidDumpResult {
  const { key, decoded, ledger } = input;
  if (ledger === undefined) {
    return {
      differences: [
        {
          kind: 'NO_LEDGER',
          subject: key,
          detail:
            'a valid dump with no ledger item: it was never processed (was its S3 notification lost?); re-send the notification',
        },
      ],
      recordsChecked: 0,
    };
  }
  const differences: Difference[] = [];
  if (ledger.status !== 'COMPLETE') {
    differences.push({
      kind: 'NOT_COMPLETE',
      subject: key,
      detail:
        ledger.status === 'REJECTED'
          ? `the ledger says REJECTED ${ledger.code ?? ''} but the file decodes as a valid dump`
          : ledger.status === 'FAILED'
            ? `the ledger says FAILED ${ledger.code ?? ''}: ${ledger.message ?? ''}; see docs/operations.md (stuck dumps)`
            : `the ledger says ${ledger.status} (chunks done ${ledger.done} of ${ledger.chunksExpected ?? '?'}); look in the dead-letter queues`,
    });
  }

  const prepared = prepareDump(decoded, { now: ledger.now });
  const { events } = prepared;
  let missing = 0;
  const missingShown: string[] = [];
  let conflicts = 0;
  let identities = 0;
  let recordsChecked = 0;
  let pastRetention = 0;
  for (const day of prepared.days) {
    const retired = isPastRetention(day.dayNumber, input.retainedAt);
    if (retired) pastRetention++;
    const stored = retired ? new Map<string, StoredContent>() : input.storedDay(day.dayNumber);
    let previous = '';
    let dayMissing = 0;
    for (let v = 0; v < day.variants.length; v++) {
      const i = day.variants[v]!;
      const copies = day.copies[v]!;
      const sk = identityKey(events, i);
      const first = sk !== previous;
      previous = sk;
      if (first) identities++;
      if (retired) continue;
      recordsChecked += copies;
      const content = stored.get(sk);
      if (content === undefined) {
        if (first) {
          dayMissing++;
          if (missingShown.length < SHOWN_IDENTITIES) missingShown.push(`${day.day} ${sk}`);
        }
        continue;
      }
      const same =
        content.flags === events.flags[i] &&
        content.duration === events.duration[i] &&
        Object.is(content.value, events.value[i]);
      if (!same) conflicts += copies;
    }
    missing += dayMissing;
  }
  if (missing > 0) {
    differences.push({
      kind: 'EVENT_MISSING',
      subject: key,
      detail: `${missing} of ${identities} identities of this dump are not stored (${shortList(missingShown, missing)})`,
    });
  }

  if (ledger.status === 'COMPLETE') {
    const problems: string[] = [];
    const { counts, totals } = ledger;
    if (counts === undefined || totals === undefined) {
      problems.push('COMPLETE without counts or totals');
    } else {
      if (counts.records !== prepared.records)
        problems.push(`records ${counts.records} != ${prepared.records} in the file`);
      if (counts.valid !== prepared.valid)
        problems.push(`valid ${counts.valid} != ${prepared.valid} in the file`);
      for (const code of RECORD_ERROR_CODES) {
        if (counts.rejected[code] !== prepared.rejected[code]) {
          problems.push(`${code} ${counts.rejected[code]} != ${prepared.rejected[code]} in the file`);
        }
      }
      if (counts.expired !== prepared.expired)
        problems.push(`expired ${counts.expired} != ${prepared.expired} in the file`);
      const kept = prepared.valid - prepared.expired;
      if (totals.stored + totals.duplicates !== kept) {
        problems.push(
          `stored ${totals.stored} + duplicates ${totals.duplicates} != ${kept} non-expired valid records`,
        );
      }
      if (totals.stored > identities)
        problems.push(`stored ${totals.stored} > ${identities} distinct identities`);
      // With identities missing or deleted by TTL, the stored copies to compare with are unknown.
      if (missing === 0 && pastRetention === 0 && totals.conflicts !== conflicts) {
        problems.push(`conflicts ${totals.conflicts} != ${conflicts} records differing from the stored copy`);
      }
      // `done` may stay short of chunksExpected (a crash between counting steps; the re-drive
      // completes such a dump from its outcomes), but never past it.
      if (ledger.chunksExpected !== undefined && ledger.done > ledger.chunksExpected) {
        problems.push(`${ledger.done} chunks counted done of ${ledger.chunksExpected} planned`);
      }
    }
    if (problems.length > 0) {
      differences.push({ kind: 'LEDGER_COUNTS', subject: key, detail: problems.join('; ') });
    }
  }
  return { differences, recordsChecked };
}

export interface RejectedDumpInput {
  readonly key: string;
  /** The code the decoder (or the size limit) gives the file now. */
  readonly code: string;
  readonly ledger: LedgerEntry | undefined;
  /** Whether `{rejectedPrefix}{key}` exists. */
  readonly copyExists: boolean;
  readonly copyKey: string;
}

/** Check (d): a malformed dump is REJECTED with the same code, and its tagged copy is still there. */
export function reconcileRejectedDump(input: RejectedDumpInput): Difference[] {
  const { key, code, ledger } = input;
  const differences: Difference[] = [];
  if (ledger === undefined) {
    differences.push({
      kind: 'NO_LEDGER',
      subject: key,
      detail: `a malformed dump (${code}) with no ledger item: it was never processed; re-send its S3 notification`,
    });
  } else if (ledger.status !== 'REJECTED' || ledger.code !== code) {
    differences.push({
      kind: 'NOT_REJECTED',
      subject: key,
      detail:
        ledger.status === 'REJECTED'
          ? `the ledger says REJECTED ${ledger.code ?? '(no code)'} but the file fails with ${code}`
          : `the file fails with ${code} but the ledger says ${ledger.status}`,
    });
  }
  if (!input.copyExists) {
    differences.push({
      kind: 'REJECTED_COPY_MISSING',
      subject: key,
      detail: `the rejected copy ${input.copyKey} is not in the bucket`,
    });
  }
  return differences;
}

/** A ledger item as the scan for vanished objects sees it. */
export interface LedgerObject {
  readonly dumpId: string;
  readonly key: string;
  readonly version: string;
  readonly status: string;
  /** When the object was uploaded (ms); the bucket's lifecycle rule expires it from then. */
  readonly uploadedAt: number;
}

/**
 * Check (e): ledger items whose object version is not in the bucket. `present` says whether the
 * bucket still holds (key, version).
 */
export function reconcileLedgerObjects(
  entries: readonly LedgerObject[],
  present: (entry: LedgerObject) => boolean,
  /** Uploads before this (ms) may be gone by the bucket's lifecycle rule: not a difference. */
  expiredBefore = -Infinity,
): Difference[] {
  return entries
    .filter((entry) => entry.uploadedAt >= expiredBefore && !present(entry))
    .map((entry) => ({
      kind: 'OBJECT_MISSING' as const,
      subject: entry.key,
      detail: `the ledger holds ${entry.status} for version ${entry.version}, but that object is no longer in the bucket`,
    }));
}

/**
 * Dumps past their deadline and not final (the watch index, read by ledger/status.ts stuckDumps),
 * within the verified bucket and prefix: the watchdog has re-driven them or is about to, and marks
 * them FAILED after maxRedrives. One difference per dump, naming it by key and dump id.
 */
export function reconcileStuckDumps(
  stuck: readonly LedgerEntry[],
  bucket: string,
  prefix: string,
  now: number,
): Difference[] {
  return stuck
    .filter((ledger) => ledger.bucket === bucket && ledger.key.startsWith(prefix))
    .map((ledger) => {
      const overdueMin = Math.max(0, (now - (ledger.due ?? now)) / 60_000).toFixed(1);
      return {
        kind: 'PAST_DEADLINE' as const,
        subject: ledger.key,
        detail: `dump ${ledger.dumpId} is still ${ledger.status} ${overdueMin} min past its deadline (chunks done ${ledger.done} of ${ledger.chunksExpected ?? '?'}, re-driven ${ledger.redrives} time(s)); see \`dumpflow status --dump ${ledger.dumpId}\` and docs/operations.md (stuck dumps)`,
      };
    });
}
