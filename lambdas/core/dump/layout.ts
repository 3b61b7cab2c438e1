/** MDMP/1 byte layout and limits (docs/format.md), shared by the decoder and encoder. */

export const HEADER_MAGIC = 'MDMP';
export const TRAILER_MAGIC = 'MEND';
export const FORMAT_VERSION = 1;

export const HEADER_SIZE = 64;
export const RECORD_SIZE = 32;
export const TRAILER_SIZE = 8;
export const MIN_DUMP_SIZE = HEADER_SIZE + TRAILER_SIZE;
export const MAX_RECORDS = 2_000_000;
export const ID_LENGTH = 16;

/** Header field offsets. */
export const H = {
  magic: 0,
  version: 4,
  headerSize: 6,
  recordSize: 8,
  flags: 10,
  recordCount: 12,
  deviceId: 16,
  patientId: 32,
  createdAt: 48,
  firmware: 56,
  headerCrc: 60,
} as const;

/** Record field offsets within the first 32 bytes of a record. */
export const R = {
  timestamp: 0,
  seq: 8,
  type: 12,
  flags: 14,
  value: 16,
  duration: 24,
  reserved: 28,
} as const;

/** 2000-01-01T00:00:00Z: records before it are R_TIME_RANGE. */
export const MIN_TIMESTAMP = 946_684_800_000;
/** The spec accepts records stamped up to one day after createdAt. */
export const MAX_TIMESTAMP_AFTER_CREATED = 86_400_000;

export const TWO_POW_32 = 4_294_967_296;

/** ASCII "MDMP" / "MEND" read as little-endian u32. */
export const HEADER_MAGIC_U32 = 0x504d444d;
export const TRAILER_MAGIC_U32 = 0x444e454d;
/** A u64 whose high word is below this is below 2^53, so hi * 2^32 + lo is exact as a double. */
export const SAFE_HI = 0x200000;
