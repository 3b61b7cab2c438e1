import { allocatePageEvents, type PageEvents } from '../page/codec';
import { mergeSorted, pagesFor } from './pages';
import { emptyDaySummary, type DaySummary } from './summary';

/**
 * What a writer knows a device-day holds: the summary it read and the events of that summary's
 * pages, kept merged in identity order. Pages are immutable and numbered, so catching up to a
 * newer summary of the same generation reads only the pages past those already known, and a
 * writer that commits more parts of the day (dense-day.ts) knows what it wrote without reading
 * it back. Each page is merged in as it arrives (linear), never the whole day re-sorted.
 */
export class KnownDay {
  private pages = 0;
  private merged: PageEvents = allocatePageEvents(0);
  private generation = '';

  constructor(private summary: DaySummary) {}

  /** The state a commit extends. */
  get base(): DaySummary {
    return this.summary;
  }

  events(): PageEvents {
    return this.merged;
  }

  /** Moves to `summary`, reading the pages this writer has not seen (all of them for a new generation). */
  async catchUp(
    summary: DaySummary,
    read: (summary: DaySummary, from: number) => Promise<PageEvents[]>,
  ): Promise<void> {
    if (summary.generation !== this.generation) {
      this.pages = 0;
      this.merged = allocatePageEvents(0);
      this.generation = summary.generation;
    }
    for (const page of await read(summary, this.pages + 1)) {
      this.merged = mergeSorted(this.merged, page);
      this.pages++;
    }
    this.summary = summary;
  }

  /** This writer's own commit moved the day to `next`, adding `fresh` (in identity order). */
  committed(next: DaySummary, fresh: PageEvents): void {
    if (next.generation !== this.generation) {
      this.pages = 0;
      this.merged = allocatePageEvents(0);
      this.generation = next.generation;
    }
    this.merged = mergeSorted(this.merged, fresh);
    this.pages += pagesFor(fresh.length);
    this.summary = next;
  }

  /** The day past its retention, pages partly deleted by TTL: it counts as empty, replaced by the next commit. */
  expire(summary: DaySummary): void {
    this.pages = 0;
    this.merged = allocatePageEvents(0);
    this.generation = '';
    this.summary = {
      ...emptyDaySummary(summary.patientId, summary.deviceId, summary.dayNumber),
      version: summary.version,
    };
  }
}
