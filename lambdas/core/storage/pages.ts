import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { allocatePageEvents, decodePage, encodePage, type PageEvents } from '../page/codec';
import { DayPagesMissingError } from './errors';
import { readItem, toAttributes } from './items';
import { dayTtl, pageNumberFromSk, pagePk, pageSalt, pageSk } from './keys';
import { queryItems } from './query';
import type { DaySummary } from './summary';
import type { TableAccess } from './table-access';

/**
 * Event pages in the table: which items a commit writes, and reading a device-day's pages back.
 * The page bytes are page/codec.ts's; this module only knows where they live (keys.pagePk/pageSk).
 */

/**
 * Events per page. A page of 8,000 events is at most ~240 KB even when nothing compresses
 * (29 bytes an event before compression), far from DynamoDB's 400 KB item limit; a typical
 * device-day (3,000 events, ~2.5 bytes each compressed) is one page of a few KB.
 */
export const MAX_EVENTS_PER_PAGE = 8000;

/** Events [start, end) of `events` as their own columns. */
export function slicePageEvents(events: PageEvents, start: number, end: number): PageEvents {
  return {
    length: end - start,
    msOfDay: events.msOfDay.subarray(start, end),
    seq: events.seq.subarray(start, end),
    type: events.type.subarray(start, end),
    flags: events.flags.subarray(start, end),
    value: events.value.subarray(start, end),
    duration: events.duration.subarray(start, end),
  };
}

/**
 * The page items a commit writes for `events` (the day's new events, in identity order), numbered
 * after the summary's last page: one page per MAX_EVENTS_PER_PAGE events. `after` is the summary
 * as the commit will leave it (generation, salts and its new page count).
 */
export function pageItems(
  after: Pick<DaySummary, 'patientId' | 'deviceId' | 'dayNumber' | 'generation' | 'salts' | 'pages'>,
  events: PageEvents,
): Record<string, AttributeValue>[] {
  const count = pagesFor(events.length);
  const first = after.pages - count + 1;
  const items: Record<string, AttributeValue>[] = [];
  for (let k = 0; k < count; k++) {
    const page = first + k;
    const slice = slicePageEvents(
      events,
      k * MAX_EVENTS_PER_PAGE,
      Math.min(events.length, (k + 1) * MAX_EVENTS_PER_PAGE),
    );
    items.push(
      toAttributes({
        pk: pagePk(after.dayNumber, after.patientId, after.deviceId, pageSalt(page, after.salts)),
        sk: pageSk(after.generation, page),
        d: encodePage(slice),
        n: slice.length,
        ttl: dayTtl(after.dayNumber),
      }),
    );
  }
  return items;
}

/** Pages a commit of `events` new events writes. */
export function pagesFor(events: number): number {
  return Math.ceil(events / MAX_EVENTS_PER_PAGE);
}

/** The partitions holding pages from..to of the summary's generation (no partition read in vain). */
export function partitionsHolding(summary: DaySummary, from: number, to: number): number[] {
  const salts = new Set<number>();
  for (let page = from; page <= to && salts.size < summary.salts; page++) {
    salts.add(pageSalt(page, summary.salts));
  }
  return [...salts].sort((a, b) => a - b);
}

/**
 * Pages `from`..summary.pages of the summary's generation, decoded, in page order: one strongly
 * consistent Query per partition that holds any of them (in parallel). Pages up to the summary's
 * count were written in the same transactions that moved the summary there, so a consistent read
 * after the summary's finds them all; a page that is missing was deleted (TTL, which removes items
 * in any order, or an erasure) and DayPagesMissingError says so rather than letting stored events
 * be taken for new ones.
 */
export async function readPages(deps: TableAccess, summary: DaySummary, from = 1): Promise<PageEvents[]> {
  const to = summary.pages;
  if (from > to) return [];
  const found = new Map<number, PageEvents>();
  await Promise.all(
    partitionsHolding(summary, from, to).map(async (salt) => {
      const items = queryItems(
        deps.dynamodb,
        {
          TableName: deps.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: toAttributes({
            ':pk': pagePk(summary.dayNumber, summary.patientId, summary.deviceId, salt),
            ':from': pageSk(summary.generation, from),
            ':to': pageSk(summary.generation, to),
          }),
          ConsistentRead: true,
        },
        deps.meter,
      );
      for await (const item of items) {
        const stored = readItem(item, 'an event page');
        const bytes = stored.optionalBinary('d');
        if (bytes) found.set(pageNumberFromSk(stored.string('sk')), decodePage(bytes));
      }
    }),
  );
  const pages: PageEvents[] = [];
  for (let page = from; page <= to; page++) {
    const events = found.get(page);
    if (events === undefined) throw new DayPagesMissingError(summary.dayNumber, page, to);
    pages.push(events);
  }
  return pages;
}

/** Two event sets in identity order (disjoint identities, as pages of one day are) merged in one pass. */
export function mergeSorted(a: PageEvents, b: PageEvents): PageEvents {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = allocatePageEvents(a.length + b.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < out.length; k++) {
    const fromA =
      j >= b.length ||
      (i < a.length &&
        (a.msOfDay[i]! - b.msOfDay[j]! || a.seq[i]! - b.seq[j]! || a.type[i]! - b.type[j]!) < 0);
    const src = fromA ? a : b;
    const at = fromA ? i++ : j++;
    out.msOfDay[k] = src.msOfDay[at]!;
    out.seq[k] = src.seq[at]!;
    out.type[k] = src.type[at]!;
    out.flags[k] = src.flags[at]!;
    out.value[k] = src.value[at]!;
    out.duration[k] = src.duration[at]!;
  }
  return out;
}

/** Several pages' events as one set of columns in identity order (pages of one day never share an identity). */
export function mergePages(pages: readonly PageEvents[]): PageEvents {
  // Pairwise rounds: each event is copied log2(pages) times, not once per page after it.
  let round = [...pages];
  if (round.length === 0) return allocatePageEvents(0);
  while (round.length > 1) {
    const next: PageEvents[] = [];
    for (let i = 0; i < round.length; i += 2)
      next.push(i + 1 < round.length ? mergeSorted(round[i]!, round[i + 1]!) : round[i]!);
    round = next;
  }
  return round[0]!;
}
