import { DumpflowError } from '../errors';
import type { DumpErrorCode } from './types';

/**
 * A whole dump broke one of the spec's whole-dump rules: none of its events may be stored.
 * `code` is the first rule that failed, in the spec's order; the message says what is wrong and what to do.
 */
export class DumpRejectedError extends DumpflowError {
  declare readonly code: DumpErrorCode;

  constructor(code: DumpErrorCode, message: string) {
    super(code, message);
  }
}

/** encodeDump was asked to write something MDMP/1 cannot hold (a programming error in the caller). */
export class DumpEncodeError extends DumpflowError {
  constructor(message: string) {
    super('E_ENCODE', message);
  }
}

/** 1234567 -> "1,234,567"; messages are read by people, so sizes get thousands separators. */
export function formatCount(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function hex32(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}
