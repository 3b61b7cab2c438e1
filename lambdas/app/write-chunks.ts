import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { DumpflowError } from '../core/errors';
import { scrubError } from '../core/scrub';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { WatchSettings } from '../core/ledger';
import {
  CapacityMeter,
  chunkWithOwner,
  decodeFanOutMessage,
  decodeStagedDay,
  encodeDayMessage,
  ensureTableLayout,
  writeChunk,
  writeDenseDay,
  type WriteChunkResult,
} from '../core/storage';
import { readObject } from './read-object';
import { sendAll } from './send-messages';

export interface WriteChunksDeps {
  readonly dynamodb: DynamoDBClient;
  /** Reads a dense day's staged object. */
  readonly s3: S3Client;
  /** Hands the rest of a dense day on to the fan-out queue when time runs short. */
  readonly sqs: SQSClient;
  readonly fanoutQueueUrl: string;
  readonly tableName: string;
  readonly saltBuckets: number;
  /** The device-day lease (DAY_LEASE_MS). @default writeChunk's (120 s) */
  readonly dayLeaseMs?: number;
  /** The KPI grace a completed dump gets in the watch index. @default DEFAULT_WATCH */
  readonly watch?: Pick<WatchSettings, 'kpiGraceMs'>;
  /** Milliseconds this invocation has left (Lambda's context). @default unlimited */
  readonly timeLeft?: () => number;
}

export interface ProcessedMessage {
  readonly results: readonly WriteChunkResult[];
  /** Parts of a dense day handed on in a new message for lack of time. */
  readonly handedOn: number;
}

/** The staged copy of a dense day is gone (expired, or deleted by hand). */
export class StagedDayMissingError extends DumpflowError {
  constructor(key: string) {
    super(
      'E_STAGED_DAY_MISSING',
      `the staged dense day ${key} does not exist; the dump's watchdog re-drive stages it again, or run dumpflow redrive once the message is in the dead-letter queue`,
    );
  }
}

/** A staged dense day is at most a few hundred parts of ~200 KiB. */
const MAX_STAGED_BYTES = 1024 * 1024 * 1024;

/**
 * One fan-out message: a chunk (dedupe it against the day's stored events and commit it exactly
 * once), or a dense day, whose staged parts are committed one after the other (writeDenseDay).
 * The rest of a day the invocation has no time for goes back to the queue as a new day message
 * before this one is acknowledged; if that send is lost with the invocation, this message is
 * redelivered and its committed parts are skipped.
 */
export async function writeChunks(deps: WriteChunksDeps, body: string): Promise<ProcessedMessage> {
  const message = decodeFanOutMessage(body);
  await ensureTableLayout(deps.dynamodb, deps.tableName);
  const writeDeps = {
    // One meter for the ledger read and the chunk's own requests, so the result counts both.
    meter: new CapacityMeter(),
    dynamodb: deps.dynamodb,
    tableName: deps.tableName,
    saltBuckets: deps.saltBuckets,
    ...(deps.dayLeaseMs !== undefined && { dayLeaseMs: deps.dayLeaseMs }),
    ...(deps.watch !== undefined && { watch: deps.watch }),
  };
  if (message.kind === 'chunk') {
    const owned = await chunkWithOwner(writeDeps, message.chunk);
    try {
      return { results: [await writeChunk(writeDeps, owned)], handedOn: 0 };
    } catch (error) {
      // The owner came from the ledger; an error text must not carry it out of the table.
      throw scrubError(error, { identifiers: [owned.patientId, owned.deviceId] });
    }
  }
  const { day } = message;
  const { bytes } = await readObject(deps.s3, day.staged, MAX_STAGED_BYTES).catch((error: unknown) => {
    throw error instanceof NoSuchKey ? new StagedDayMissingError(day.staged.key) : error;
  });
  const { results, remaining } = await writeDenseDay(writeDeps, day, decodeStagedDay(bytes), {
    ...(deps.timeLeft ? { timeLeft: deps.timeLeft } : {}),
  });
  if (remaining.length > 0) {
    await sendAll(deps.sqs, deps.fanoutQueueUrl, [
      { id: 'rest', body: encodeDayMessage({ ...day, parts: remaining }) },
    ]);
  }
  return { results, handedOn: remaining.length };
}
