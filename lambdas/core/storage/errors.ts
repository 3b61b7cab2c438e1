import { DumpflowError } from '../errors';

/** Another worker held the device-day lease for longer than this worker waits. */
export class DayBusyError extends DumpflowError {
  constructor(day: string, waitedMs: number) {
    super(
      'E_DAY_BUSY',
      `the device-day ${day} stayed locked by another worker for ${waitedMs} ms; the chunk will be retried from the queue`,
    );
  }
}

/** The optimistic commit kept losing to concurrent commits. */
export class CommitContentionError extends DumpflowError {
  constructor(day: string, attempts: number, cause?: unknown) {
    super(
      'E_COMMIT_CONTENTION',
      `could not commit the device-day ${day} after ${attempts} attempts (concurrent commits); the chunk will be retried from the queue`,
      { cause },
    );
  }
}

/** A chunk message is malformed (wrong version, truncated events). */
export class ChunkMessageError extends DumpflowError {
  constructor(message: string) {
    super('E_CHUNK_MESSAGE', message);
  }
}

/** A stored item does not have the shape this code writes. */
export class StoredItemError extends DumpflowError {
  constructor(message: string) {
    super('E_STORED_ITEM', message);
  }
}

/**
 * A device-day's summary counts pages that are not in the table: they were deleted (TTL removes a
 * day's items in any order near the end of its retention, or an erasure is under way). Nothing is
 * classified against an incomplete day; the chunk goes back to the queue.
 */
export class DayPagesMissingError extends DumpflowError {
  constructor(dayNumber: number, page: number, pages: number) {
    super(
      'E_DAY_PAGES_MISSING',
      `event page ${page} of ${pages} of day ${dayNumber} is missing although its summary counts it (deleted by TTL or an erasure); the chunk will be retried from the queue`,
    );
  }
}

/** The table holds another storage layout than this code reads and writes (layout.ts). */
export class TableLayoutError extends DumpflowError {
  constructor(message: string) {
    super('E_TABLE_LAYOUT', message);
  }
}
