import { DumpflowError } from '../lambdas/core/errors';
import { DumpRejectedError } from '../lambdas/core/dump';

/** A problem with what the CLI was asked to do (a file it cannot read, a bad flag value). */
export class CliError extends DumpflowError {}

/** Exit status for a dump that MDMP/1 rejects, so scripts can tell it from other failures (1). */
export const EXIT_REJECTED = 2;
export const EXIT_FAILURE = 1;

/** `{ code, message }` for any error: deliberate ones keep their code, anything else is E_UNEXPECTED. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof DumpflowError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'E_UNEXPECTED', message };
}

/**
 * Reports a failed command the house way: exactly one line `error CODE: message` on stderr, no
 * stack trace, and an exit status (2 for a rejected dump, 1 otherwise). With `json`, stdout also
 * gets `{"error":{"code","message"}}` so a script reading stdout still gets one JSON object.
 */
export function reportError(error: unknown, options: { json?: boolean } = {}): void {
  const { code, message } = describeError(error);
  process.stderr.write(`error ${code}: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  if (options.json === true) process.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
  process.exitCode = error instanceof DumpRejectedError ? EXIT_REJECTED : EXIT_FAILURE;
}

/** Turns a failed file read or write into a one-line CliError (E_FILE) that says what to check. */
export function fileError(action: 'read' | 'write to', file: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOENT'
      ? 'there is no such file or directory; check the path'
      : code === 'EISDIR'
        ? 'it is a directory, not a file; give the path of a .dump file'
        : code === 'ENOTDIR'
          ? 'part of the path is a file, not a directory; check the path'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied; check the permissions'
            : error instanceof Error
              ? error.message
              : String(error);
  return new CliError('E_FILE', `cannot ${action} ${file}: ${reason}`);
}

/** True for errors raised by the file system (they carry an errno code like ENOENT). */
export function isFileSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).errno === 'number';
}
