/** MDMP/1 as the rest of the system sees it. The binary format is described in docs/format.md. */

/** Whole-dump rejection codes, in the order the spec checks them. */
export const DUMP_ERROR_CODES = [
  'E_TOO_SHORT',
  'E_MAGIC',
  'E_VERSION',
  'E_HEADER_CRC',
  'E_HEADER_SIZE',
  'E_RECORD_SIZE',
  'E_TOO_LARGE',
  'E_IDENTITY',
  'E_TRUNCATED',
  'E_TRAILING_DATA',
  'E_TRAILER',
  'E_BODY_CRC',
] as const;
export type DumpErrorCode = (typeof DUMP_ERROR_CODES)[number];

/** Per-record rejection codes, in the order the spec checks them. */
export const RECORD_ERROR_CODES = ['R_TIME_RANGE', 'R_VALUE'] as const;
export type RecordErrorCode = (typeof RECORD_ERROR_CODES)[number];
export type RejectedRecordCounts = Record<RecordErrorCode, number>;

export const EventType = {
  THERAPY_SESSION: 1,
  APNEA: 2,
  HYPOPNEA: 3,
  LEAK: 4,
  PRESSURE: 5,
  SPO2: 6,
  ALARM: 7,
  POWER_ON: 8,
  POWER_OFF: 9,
  HUMIDIFIER: 10,
} as const;

export interface DumpHeader {
  readonly version: number;
  readonly headerSize: number;
  readonly recordSize: number;
  readonly flags: number;
  readonly recordCount: number;
  readonly deviceId: string;
  readonly patientId: string;
  /** Milliseconds since the epoch; u64 on the wire, exact here below 2^53. */
  readonly createdAt: number;
  /**
   * createdAt split exactly as floor(createdAt / 86,400,000) and the remainder, like the event
   * columns: createdAt is not validated and may be any u64, beyond what a double or a Date holds.
   */
  readonly createdAtDayNumber: number;
  readonly createdAtMsOfDay: number;
  readonly firmware: number;
}

/**
 * The valid events of a dump in columnar form (struct of arrays): one slot per valid record,
 * in file order. Typed arrays instead of per-event objects keep a 1.1-million-record decode fast.
 * Timestamps are exact as doubles below 2^53 ms (year 287,396); the decoder range-checks exactly.
 */
export interface EventColumns {
  readonly length: number;
  /** Convenience copy of the wire timestamp; exact only below 2^53 ms. Use dayNumber + msOfDay for identity. */
  readonly timestamp: Float64Array;
  /** floor(timestamp / 86,400,000), computed exactly from the u64 (createdAt is not validated, so huge timestamps can be valid). */
  readonly dayNumber: Float64Array;
  /** timestamp mod 86,400,000, exact. (dayNumber, msOfDay) is the exact timestamp. */
  readonly msOfDay: Uint32Array;
  readonly seq: Uint32Array;
  readonly type: Uint16Array;
  readonly flags: Uint16Array;
  readonly value: Float64Array;
  readonly duration: Uint32Array;
}

/** One UTC day of a dump: `indices` point into the dump's EventColumns, in file order. */
export interface DayGroup {
  /** floor(timestamp / 86,400,000) */
  readonly dayNumber: number;
  /** YYYY-MM-DD */
  readonly day: string;
  readonly indices: Uint32Array;
}

export interface DecodedDump {
  readonly header: DumpHeader;
  readonly events: EventColumns;
  readonly rejectedRecords: RejectedRecordCounts;
  /** Ascending by day. */
  readonly days: readonly DayGroup[];
}

/** One event as a plain object, for encoding, tests and generators (not for hot paths). */
export interface DumpEvent {
  readonly timestamp: number;
  readonly seq: number;
  readonly type: number;
  readonly flags: number;
  readonly value: number;
  readonly duration: number;
}
