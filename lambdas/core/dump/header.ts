import { crc32 } from './crc32';
import { splitTimestamp } from './days';
import { DumpRejectedError, formatCount, hex32 } from './errors';
import {
  FORMAT_VERSION,
  H,
  HEADER_MAGIC,
  HEADER_MAGIC_U32,
  HEADER_SIZE,
  ID_LENGTH,
  MAX_RECORDS,
  MIN_DUMP_SIZE,
  RECORD_SIZE,
  SAFE_HI,
  TRAILER_MAGIC,
  TRAILER_MAGIC_U32,
  TRAILER_SIZE,
  TWO_POW_32,
} from './layout';
import { DUMP_ERROR_CODES, type DumpErrorCode, type DumpHeader } from './types';

/** A header that passed every whole-dump check, plus where the records are. */
export interface CheckedDump {
  readonly header: DumpHeader;
  /** Byte offset of the first record (= headerSize). */
  readonly bodyStart: number;
  /** Byte offset of the trailer. */
  readonly bodyEnd: number;
  readonly createdAtHi: number;
  readonly createdAtLo: number;
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function describeBytes(bytes: Uint8Array, start: number, length: number): string {
  const shown = Array.from(bytes.subarray(start, start + length), (b) =>
    b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '.',
  ).join('');
  const hex = Array.from(bytes.subarray(start, start + length), (b) => b.toString(16).padStart(2, '0')).join(
    ' ',
  );
  return `"${shown}" (${hex})`;
}

/**
 * Reads a NUL-padded id field. The spec's three failure cases (empty, a byte outside 0x21..0x7E
 * before the first NUL, anything but NUL after it) each get their own message.
 */
function readId(bytes: Uint8Array, offset: number, field: 'deviceId' | 'patientId'): string {
  const fix = `the device wrote an unusable ${field}; fix the device's configuration and upload a new dump`;
  let length = ID_LENGTH;
  for (let i = 0; i < ID_LENGTH; i++) {
    const b = bytes[offset + i]!;
    if (b === 0) {
      length = i;
      break;
    }
    if (b < 0x21 || b > 0x7e) {
      throw new DumpRejectedError(
        'E_IDENTITY',
        `the header's ${field} holds byte 0x${b.toString(16).padStart(2, '0')} at position ${i + 1}, but ids may only contain printable ASCII characters other than space (0x21..0x7E); ${fix}`,
      );
    }
  }
  for (let i = length + 1; i < ID_LENGTH; i++) {
    const b = bytes[offset + i]!;
    if (b !== 0) {
      throw new DumpRejectedError(
        'E_IDENTITY',
        `the header's ${field} has byte 0x${b.toString(16).padStart(2, '0')} at position ${i + 1}, after the NUL padding that ends the id at position ${length + 1}; an id must be padded with NUL bytes only; ${fix}`,
      );
    }
  }
  if (length === 0) {
    throw new DumpRejectedError('E_IDENTITY', `the header's ${field} is empty; ${fix}`);
  }
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

/**
 * Whose dump a rejected file is, when its rejection came after the spec's E_IDENTITY check (the
 * header checksum and both ids passed): erasure must find its copy. undefined for earlier codes,
 * whose ids cannot be trusted or read.
 */
export function rejectedDumpOwner(
  bytes: Uint8Array,
  code: DumpErrorCode,
): { readonly patientId: string; readonly deviceId: string } | undefined {
  if (DUMP_ERROR_CODES.indexOf(code) <= DUMP_ERROR_CODES.indexOf('E_IDENTITY')) return undefined;
  return {
    deviceId: readId(bytes, H.deviceId, 'deviceId'),
    patientId: readId(bytes, H.patientId, 'patientId'),
  };
}

function splitCreatedAt(hi: number, lo: number): { createdAtDayNumber: number; createdAtMsOfDay: number } {
  const { dayNumber, msOfDay } = splitTimestamp(
    hi < SAFE_HI ? hi * TWO_POW_32 + lo : (BigInt(hi) << 32n) | BigInt(lo),
  );
  return { createdAtDayNumber: dayNumber, createdAtMsOfDay: msOfDay };
}

/**
 * Runs every whole-dump check of the spec in its order (E_TOO_SHORT ... E_BODY_CRC) and throws
 * DumpRejectedError for the first that fails. Sizes stay below 2^53, so Number arithmetic is exact.
 */
export function checkDump(bytes: Uint8Array): CheckedDump {
  const size = bytes.length;
  const again = 'upload the dump again';
  if (size < MIN_DUMP_SIZE) {
    throw new DumpRejectedError(
      'E_TOO_SHORT',
      `the file is ${formatCount(size)} bytes long, but the smallest possible dump (a 64-byte header and an 8-byte trailer) is 72 bytes; the upload is incomplete or not a dump — ${again}`,
    );
  }
  const view = dataView(bytes);

  if (view.getUint32(H.magic, true) !== HEADER_MAGIC_U32) {
    throw new DumpRejectedError(
      'E_MAGIC',
      `the file starts with ${describeBytes(bytes, 0, 4)} instead of "${HEADER_MAGIC}", so it is not an MDMP dump; check that the device's dump file was uploaded and not some other file`,
    );
  }

  const version = view.getUint16(H.version, true);
  if (version !== FORMAT_VERSION) {
    throw new DumpRejectedError(
      'E_VERSION',
      `the header says format version ${version}, but this pipeline reads only MDMP version ${FORMAT_VERSION}; have the device export version ${FORMAT_VERSION} dumps or upgrade the pipeline`,
    );
  }

  const storedHeaderCrc = view.getUint32(H.headerCrc, true);
  const headerCrc = crc32(bytes, 0, H.headerCrc);
  if (storedHeaderCrc !== headerCrc) {
    throw new DumpRejectedError(
      'E_HEADER_CRC',
      `the header checksum does not match (stored ${hex32(storedHeaderCrc)}, computed ${hex32(headerCrc)}): the header was damaged after the device wrote it — ${again}`,
    );
  }

  const headerSize = view.getUint16(H.headerSize, true);
  if (headerSize < HEADER_SIZE) {
    throw new DumpRejectedError(
      'E_HEADER_SIZE',
      `the header announces a header size of ${headerSize} bytes, but MDMP/1 headers are at least ${HEADER_SIZE} bytes; the device wrote a malformed dump — report it to the device vendor`,
    );
  }

  const recordSize = view.getUint16(H.recordSize, true);
  if (recordSize < RECORD_SIZE) {
    throw new DumpRejectedError(
      'E_RECORD_SIZE',
      `the header announces records of ${recordSize} bytes, but MDMP/1 records are at least ${RECORD_SIZE} bytes; the device wrote a malformed dump — report it to the device vendor`,
    );
  }

  const recordCount = view.getUint32(H.recordCount, true);
  if (recordCount > MAX_RECORDS) {
    throw new DumpRejectedError(
      'E_TOO_LARGE',
      `the header announces ${formatCount(recordCount)} records, more than the ${formatCount(MAX_RECORDS)} a dump may hold; export shorter date ranges so each dump stays within the limit`,
    );
  }

  const deviceId = readId(bytes, H.deviceId, 'deviceId');
  const patientId = readId(bytes, H.patientId, 'patientId');

  const bodyStart = headerSize;
  const bodyEnd = headerSize + recordCount * recordSize;
  const expectedSize = bodyEnd + TRAILER_SIZE;
  const announced = `the header announces ${formatCount(recordCount)} records of ${formatCount(recordSize)} bytes (${formatCount(expectedSize)} bytes in all)`;
  if (size < expectedSize) {
    throw new DumpRejectedError(
      'E_TRUNCATED',
      `the file ends after ${formatCount(size)} bytes but ${announced}; the upload was probably cut short — ${again}`,
    );
  }
  if (size > expectedSize) {
    throw new DumpRejectedError(
      'E_TRAILING_DATA',
      `the file is ${formatCount(size)} bytes but ${announced}, so ${formatCount(size - expectedSize)} unexpected bytes follow the trailer; upload the dump exactly as the device wrote it`,
    );
  }

  if (view.getUint32(bodyEnd, true) !== TRAILER_MAGIC_U32) {
    throw new DumpRejectedError(
      'E_TRAILER',
      `the trailer after the last record reads ${describeBytes(bytes, bodyEnd, 4)} instead of "${TRAILER_MAGIC}": the file is damaged or its records do not match the header — ${again}`,
    );
  }

  const storedBodyCrc = view.getUint32(bodyEnd + 4, true);
  const bodyCrc = crc32(bytes, bodyStart, bodyEnd);
  if (storedBodyCrc !== bodyCrc) {
    throw new DumpRejectedError(
      'E_BODY_CRC',
      `the records' checksum does not match (stored ${hex32(storedBodyCrc)}, computed ${hex32(bodyCrc)}): the records were damaged after the device wrote them — ${again}`,
    );
  }

  const createdAtLo = view.getUint32(H.createdAt, true);
  const createdAtHi = view.getUint32(H.createdAt + 4, true);
  const header: DumpHeader = {
    version,
    headerSize,
    recordSize,
    flags: view.getUint16(H.flags, true),
    recordCount,
    deviceId,
    patientId,
    createdAt: createdAtHi * TWO_POW_32 + createdAtLo,
    ...splitCreatedAt(createdAtHi, createdAtLo),
    firmware: view.getUint32(H.firmware, true),
  };
  return { header, bodyStart, bodyEnd, createdAtHi, createdAtLo };
}
