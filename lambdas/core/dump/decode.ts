import { checkDump } from './header';
import { groupByDay } from './group';
import { decodeRecords } from './records';
import type { DecodedDump } from './types';

/**
 * Decodes an MDMP/1 dump: whole-dump checks (throws DumpRejectedError with the first failing
 * code), record checks (counted in rejectedRecords), valid events as columns, grouped by UTC day.
 * Pure and synchronous; `bytes` is only read, and the result does not reference it.
 */
export function decodeDump(bytes: Uint8Array): DecodedDump {
  const checked = checkDump(bytes);
  const { events, rejectedRecords, minDay, maxDay } = decodeRecords(bytes, checked);
  return { header: checked.header, events, rejectedRecords, days: groupByDay(events, minDay, maxDay) };
}
