import { DumpflowError } from './errors';
import { escapeId } from './storage/keys';
import { encodeKeySegment } from './upload-key';

/**
 * Error messages leave the table: Lambda logs a failed record's error, the batch utility logs it,
 * and a CLI prints it. Patient ids, device ids and object keys (which hold device ids) must not
 * go with them, so a record handler's error is passed through scrubError first.
 */

export const REDACTED = '<redacted>';

export interface ScrubRule {
  /** Ids and keys known to the caller (the upload's key, the header's ids): replaced wherever they appear. */
  readonly identifiers?: readonly string[];
  /** Key prefixes (incoming/, rejected/): any text from one of them to the next space or quote is a key. */
  readonly prefixes?: readonly string[];
}

/** Table keys that hold ids (summary, page, day, patient and claim partitions); `L#` dump ids are opaque. */
const TABLE_KEY = /(?<![A-Za-z0-9])[SEDIK]#[^\s'",;)]+/g;

function forms(identifiers: readonly string[]): string[] {
  const all = identifiers.flatMap((id) => [id, escapeId(id), encodeKeySegment(id), encodeURIComponent(id)]);
  // Longest first, so a key is replaced whole before an id inside it is.
  return [...new Set(all.filter((form) => form.length > 0))].sort((a, b) => b.length - a.length);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function scrubText(text: string, rule: ScrubRule): string {
  let out = text;
  for (const form of forms(rule.identifiers ?? [])) out = out.split(form).join(REDACTED);
  for (const prefix of rule.prefixes ?? []) {
    out = out.replace(new RegExp(`${escapeRegExp(prefix)}[^\\s'",;)]*`, 'g'), REDACTED);
  }
  return out.replace(TABLE_KEY, REDACTED);
}

/** An error whose message held an identifier: the same code, the message scrubbed, no cause kept. */
export class ScrubbedError extends DumpflowError {
  constructor(
    code: string,
    message: string,
    /** The original error's class name, for diagnosis. */
    readonly originalName: string,
  ) {
    super(code, message);
  }
}

function messages(error: unknown, depth = 0): string[] {
  if (depth > 5) return [];
  if (!(error instanceof Error)) return [String(error)];
  return [error.message, ...(error.cause === undefined ? [] : messages(error.cause, depth + 1))];
}

/**
 * The error itself when it is one of dumpflow's own, without a cause, and its message holds no
 * identifier; else a ScrubbedError with the scrubbed messages joined. Errors from elsewhere are
 * always replaced: an SDK exception carries the service's response fields (S3's NoSuchKey has
 * the `Key`), which a log line serializes along with the message.
 */
export function scrubError(error: unknown, rule: ScrubRule): unknown {
  const texts = messages(error);
  const scrubbed = texts.map((text) => scrubText(text, rule));
  const clean = scrubbed.every((text, i) => text === texts[i]);
  if (clean && error instanceof DumpflowError && error.cause === undefined) return error;
  const code = error instanceof DumpflowError ? error.code : 'E_UNEXPECTED';
  const name = error instanceof Error ? error.name : typeof error;
  return new ScrubbedError(code, scrubbed.join('; caused by: '), name);
}
