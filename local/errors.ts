import { DumpflowError } from '../lambdas/core/errors';

/** An event source still had work after the time the caller allowed for it to drain. */
export class NotIdleError extends DumpflowError {
  constructor(what: string, timeoutMs: number, detail: string) {
    super(
      'E_LOCAL_NOT_IDLE',
      `${what} was still busy after ${timeoutMs} ms (${detail}); a handler may be failing and retrying, or the run needs more time`,
    );
  }
}

/** The S3/SQS emulator package is not installed. */
export class FauxqsMissingError extends DumpflowError {
  constructor() {
    super('E_FAUXQS_MISSING', 'the fauxqs package (local S3/SQS emulator) is not installed; run `npm ci`');
  }
}
