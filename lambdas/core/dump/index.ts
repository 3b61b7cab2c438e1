/** Public API of the MDMP/1 codec. Pure: no I/O, no AWS. */
export * from './types';
export { DumpRejectedError, DumpEncodeError } from './errors';
export { decodeDump } from './decode';
export { checkDump, rejectedDumpOwner, type CheckedDump } from './header';
export { groupByDay } from './group';
export {
  encodeDump,
  DumpWriter,
  type DumpHeaderInput,
  type EncodableEvent,
  type EncodeDumpInput,
} from './encode';
export { crc32, crc32Js, nativeCrc32 } from './crc32';
export {
  MS_PER_DAY,
  civilFromDays,
  daysFromCivil,
  formatDay,
  parseDay,
  formatInstant,
  splitTimestamp,
  type CivilDate,
} from './days';
export { identityKey, contentKey, exactTimestamp, eventTimeIso, eventAt, toDumpEvents } from './events';
export {
  HEADER_SIZE,
  RECORD_SIZE,
  TRAILER_SIZE,
  MAX_RECORDS,
  MIN_TIMESTAMP,
  MAX_TIMESTAMP_AFTER_CREATED,
} from './layout';
