/**
 * Dump factories for tests. `rawDump` lays out MDMP/1 bytes by hand (independently of the
 * product's encoder) and lets a test break any field; `corrupt` patches a copy of a dump and can
 * re-seal its CRCs so that only the intended rule is broken.
 */
import { crc32, encodeDump, type DumpEvent, type EncodeDumpInput } from '../../lambdas/core/dump';
import { at, BASE_DAY, event } from './events';

// One fixed calendar for every factory: dump dates are days after events.ts's BASE_DAY
// (2024-03-01), not a second hard-coded date.

/** 2024-03-10T00:00:00Z: the day the dumps' events fall on. */
export const DAY_START = at(BASE_DAY + 9);
/** 2024-03-12T08:30:00Z: when the dumps were written, two days after their events. */
export const CREATED_AT = at(BASE_DAY + 11, (8 * 60 + 30) * 60_000);

/** `count` distinct events one minute apart from `start`, cycling through the known types. */
export function someEvents(count: number, start = DAY_START): DumpEvent[] {
  return Array.from({ length: count }, (_, i) =>
    event({
      timestamp: start + i * 60_000,
      seq: 1000 + i,
      type: 1 + (i % 10),
      value: i / 4,
      duration: i % 7,
    }),
  );
}

export function aDump(overrides: Partial<EncodeDumpInput> = {}): Uint8Array {
  return encodeDump({
    deviceId: 'DEV-0001',
    patientId: 'PAT-0001',
    createdAt: CREATED_AT,
    firmware: 0x01020304,
    events: someEvents(5),
    ...overrides,
  });
}

export interface RawRecord {
  readonly timestamp: bigint;
  readonly seq?: number;
  readonly type?: number;
  readonly flags?: number;
  /** Either a double or its exact 64 bits (to write NaN payloads). */
  readonly value?: number;
  readonly valueBits?: bigint;
  readonly duration?: number;
  readonly reserved?: number;
  /** Bytes past the first 32 when recordSize > 32. */
  readonly extra?: Uint8Array;
}

export interface RawDumpSpec {
  readonly magic?: string;
  readonly version?: number;
  readonly headerSize?: number;
  readonly recordSize?: number;
  readonly flags?: number;
  /** The announced count; defaults to records.length. */
  readonly recordCount?: number;
  /** 16 raw bytes, or a string to NUL-pad. */
  readonly deviceId?: string | Uint8Array;
  readonly patientId?: string | Uint8Array;
  readonly createdAt?: bigint;
  readonly firmware?: number;
  readonly headerGap?: Uint8Array;
  readonly records?: readonly RawRecord[];
  /** Override the computed CRCs. */
  readonly headerCrc?: number;
  readonly bodyCrc?: number;
  readonly trailerMagic?: string;
  /** Appended after the trailer. */
  readonly trailing?: Uint8Array;
}

function idField(id: string | Uint8Array): Uint8Array {
  if (typeof id !== 'string') return id;
  const field = new Uint8Array(16);
  for (let i = 0; i < id.length && i < 16; i++) field[i] = id.charCodeAt(i);
  return field;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** MDMP/1 bytes written field by field from the spec's tables. */
export function rawDump(spec: RawDumpSpec = {}): Uint8Array {
  const headerSize = spec.headerSize ?? 64;
  const recordSize = spec.recordSize ?? 32;
  const records = spec.records ?? [];
  // The body has as many records as given, whatever the header announces; an announced
  // recordSize below 32 still gets 32-byte slots, since such a dump is rejected before records matter.
  const slot = Math.max(recordSize, 32);
  const bodyLength = records.length * slot;
  const physicalHeader = Math.max(headerSize, 64);
  const bytes = new Uint8Array(physicalHeader + bodyLength + 8 + (spec.trailing?.length ?? 0));
  const view = new DataView(bytes.buffer);
  bytes.set(ascii(spec.magic ?? 'MDMP').subarray(0, 4), 0);
  view.setUint16(4, spec.version ?? 1, true);
  view.setUint16(6, headerSize, true);
  view.setUint16(8, recordSize, true);
  view.setUint16(10, spec.flags ?? 0, true);
  view.setUint32(12, spec.recordCount ?? records.length, true);
  bytes.set(idField(spec.deviceId ?? 'DEV-0001'), 16);
  bytes.set(idField(spec.patientId ?? 'PAT-0001'), 32);
  view.setBigUint64(48, spec.createdAt ?? BigInt(CREATED_AT), true);
  view.setUint32(56, spec.firmware ?? 7, true);
  view.setUint32(60, spec.headerCrc ?? crc32(bytes, 0, 60), true);
  if (spec.headerGap !== undefined) bytes.set(spec.headerGap.subarray(0, physicalHeader - 64), 64);

  records.forEach((record, i) => {
    const at = physicalHeader + i * slot;
    view.setBigUint64(at, record.timestamp, true);
    view.setUint32(at + 8, record.seq ?? i, true);
    view.setUint16(at + 12, record.type ?? 5, true);
    view.setUint16(at + 14, record.flags ?? 0, true);
    if (record.valueBits !== undefined) view.setBigUint64(at + 16, record.valueBits, true);
    else view.setFloat64(at + 16, record.value ?? 10, true);
    view.setUint32(at + 24, record.duration ?? 0, true);
    view.setUint32(at + 28, record.reserved ?? 0, true);
    if (record.extra !== undefined) bytes.set(record.extra.subarray(0, slot - 32), at + 32);
  });

  const trailerAt = physicalHeader + bodyLength;
  bytes.set(ascii(spec.trailerMagic ?? 'MEND').subarray(0, 4), trailerAt);
  view.setUint32(trailerAt + 4, spec.bodyCrc ?? crc32(bytes, physicalHeader, trailerAt), true);
  if (spec.trailing !== undefined) bytes.set(spec.trailing, trailerAt + 8);
  return bytes;
}

export interface CorruptOptions {
  /** Recompute the header CRC after patching, so the header still passes E_HEADER_CRC. */
  readonly resealHeader?: boolean;
  /** Recompute the body CRC after patching (uses the dump's own headerSize/recordCount/recordSize). */
  readonly resealBody?: boolean;
}

/** A patched copy of `dump`; the original is left alone. */
export function corrupt(
  dump: Uint8Array,
  patch: (view: DataView, bytes: Uint8Array) => void,
  options: CorruptOptions = {},
): Uint8Array {
  const bytes = dump.slice();
  const view = new DataView(bytes.buffer);
  patch(view, bytes);
  if (options.resealHeader === true) view.setUint32(60, crc32(bytes, 0, 60), true);
  if (options.resealBody === true) {
    const bodyStart = view.getUint16(6, true);
    const bodyEnd = bodyStart + view.getUint32(12, true) * view.getUint16(8, true);
    view.setUint32(bodyEnd + 4, crc32(bytes, bodyStart, bodyEnd), true);
  }
  return bytes;
}

/** A copy of `dump` with the bits of `mask` flipped in the byte at `offset`. */
export function flipBits(
  dump: Uint8Array,
  offset: number,
  mask = 1,
  options: CorruptOptions = {},
): Uint8Array {
  return corrupt(dump, (view) => view.setUint8(offset, view.getUint8(offset) ^ mask), options);
}
