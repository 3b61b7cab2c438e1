import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

type Write = typeof process.stdout.write;

export interface CapturedOutput {
  /** Where the captured output goes. */
  readonly file: string;
  /** Writes to the real stdout / stderr, past the capture (the CLI's own output). */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** A stand-in for process.stderr whose writes reach the terminal (for cli-progress). */
  readonly stderrStream: NodeJS.WriteStream;
  /** Puts the real writers back and closes the file. Idempotent. */
  restore(): Promise<void>;
}

/**
 * Sends everything written to process.stdout and process.stderr to `file` until restore().
 * The handlers run in this process and their Powertools logger and metrics write JSON lines to
 * stdout and stderr, as they would in Lambda; captured, they land in a log file instead of
 * corrupting `--json` output or the progress bar.
 */
export function captureOutput(file: string): CapturedOutput {
  mkdirSync(dirname(file), { recursive: true });
  const log = createWriteStream(file, { flags: 'a' });
  const undoOut = replaceWrite(process.stdout);
  const undoErr = replaceWrite(process.stderr);
  const realOut = undoOut.original;
  const realErr = undoErr.original;
  const toLog = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
    return log.write(chunk, callback);
  }) as Write;
  process.stdout.write = toLog;
  process.stderr.write = toLog;

  const stderrStream = new Proxy(process.stderr, {
    get(target, property, receiver) {
      if (property === 'write') return realErr;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });

  let restored: Promise<void> | undefined;
  return {
    file,
    stdout: (text) => void realOut(text),
    stderr: (text) => void realErr(text),
    stderrStream,
    restore() {
      restored ??= new Promise<void>((resolve) => {
        undoOut.undo();
        undoErr.undo();
        log.end(() => resolve());
      });
      return restored;
    },
  };
}

/** The stream's current writer, bound, and how to put it back exactly as it was (own property or inherited). */
function replaceWrite(stream: NodeJS.WriteStream): { original: Write; undo: () => void } {
  const own = Object.getOwnPropertyDescriptor(stream, 'write');
  const original = stream.write.bind(stream) as Write;
  return {
    original,
    undo: () => {
      if (own) Object.defineProperty(stream, 'write', own);
      else delete (stream as { write?: Write }).write;
    },
  };
}
