import { DumpflowError } from '../errors';

/** Items stayed unprocessed or throttled through every retry; the message is retried by the queue. */
export class WriteRetriesExhaustedError extends DumpflowError {
  constructor(unprocessed: number, attempts: number, cause?: unknown) {
    super(
      'E_WRITE_RETRIES_EXHAUSTED',
      `${unprocessed} item(s) were still not written after ${attempts} attempts (DynamoDB throttled or left them unprocessed); the chunk will be retried from the queue`,
      { cause },
    );
  }
}

/** Another worker kept the device-day locked for longer than this worker waits. */
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
