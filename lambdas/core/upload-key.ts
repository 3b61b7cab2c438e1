import { PIPELINE_SETTINGS } from '../shared/pipeline-settings';
import { DumpflowError } from './errors';

/**
 * Which object keys a device may upload its dumps under (docs/deploy.md, "Uploads bound to their
 * device"). `device-prefix`: `{incomingPrefix}{device segment}/...`, and the parser rejects a dump
 * whose header names another device, so an uploader confined to its own prefix (the gateway's IAM
 * policy) cannot write into another device's, or patient's, record. `any`: no check, for fleets
 * whose gateway already vouches for the header.
 */
export const UPLOAD_KEY_LAYOUTS = ['device-prefix', 'any'] as const;
export type UploadKeyLayout = (typeof UPLOAD_KEY_LAYOUTS)[number];

export const DEFAULT_UPLOAD_KEY_LAYOUT: UploadKeyLayout = 'device-prefix';
export const DEFAULT_INCOMING_PREFIX = PIPELINE_SETTINGS.incomingPrefix;

export interface UploadKeyRule {
  readonly layout: UploadKeyLayout;
  /** The notified prefix the device segment follows. */
  readonly incomingPrefix: string;
}

/** The code beside the spec's whole-dump codes (docs/dump-format-notes.md). */
export const DEVICE_MISMATCH_CODE = 'E_DEVICE_MISMATCH';

/**
 * The dump's header names a device other than the one its object key was uploaded under. The
 * message names neither the device nor the key: it is logged and kept in the ledger's message.
 */
export class DeviceMismatchError extends DumpflowError {
  constructor(reason: string) {
    super(
      DEVICE_MISMATCH_CODE,
      `${reason}, so the uploader is not known to be the device the dump claims to come from; ` +
        "upload the dump under the prefix of the device in its header, {incoming prefix}{encoded deviceId}/ (docs/deploy.md), with that device's credentials",
    );
  }
}

// Kept as they are: characters every S3 tool, URL, IAM resource pattern and IAM tag value takes
// without quoting. '=' escapes the rest; it is itself allowed in tag values, so a gateway can tag
// a principal with the encoded segment and the policy `${aws:PrincipalTag/deviceId}` matches it.
const PLAIN = /^[A-Za-z0-9_-]$/;

/**
 * A device id as one key segment: every character outside [A-Za-z0-9_-] becomes `=XX` (its byte in
 * upper-case hex; ids are printable ASCII), except '.' past the first character, so no segment is
 * `.` or `..` or starts with a dot. One encoding per id, so comparing segments compares ids.
 */
export function encodeKeySegment(id: string): string {
  let out = '';
  for (const [i, ch] of [...id].entries()) {
    if (PLAIN.test(ch) || (ch === '.' && i > 0)) out += ch;
    else
      out += Array.from(
        Buffer.from(ch, 'utf8'),
        (b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
      ).join('');
  }
  return out;
}

/** encodeKeySegment's inverse; undefined for a segment it would never write. */
export function decodeKeySegment(segment: string): string | undefined {
  if (segment === '') return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < segment.length;) {
    if (segment[i] === '=') {
      const hex = segment.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      bytes.push(segment.charCodeAt(i));
      i += 1;
    }
  }
  const id = Buffer.from(bytes).toString('utf8');
  return encodeKeySegment(id) === segment ? id : undefined;
}

/** Where a device uploads: `{incomingPrefix}{encoded deviceId}/`. */
export function deviceUploadPrefix(incomingPrefix: string, deviceId: string): string {
  return `${incomingPrefix}${encodeKeySegment(deviceId)}/`;
}

/**
 * Throws DeviceMismatchError unless `key` may hold a dump of `deviceId` under `rule`. Run after the
 * spec's whole-dump checks: a malformed dump keeps the spec's code, whatever its key.
 */
export function checkUploadKey(rule: UploadKeyRule, key: string, deviceId: string): void {
  if (rule.layout === 'any') return;
  if (!key.startsWith(rule.incomingPrefix)) {
    throw new DeviceMismatchError('the object key is not under the incoming prefix');
  }
  const rest = key.slice(rule.incomingPrefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) {
    throw new DeviceMismatchError(
      'the object key has no device segment (the layout is {incoming prefix}{encoded deviceId}/{name})',
    );
  }
  if (rest.slice(0, slash) !== encodeKeySegment(deviceId)) {
    throw new DeviceMismatchError("the object key's device segment names a different device than the header");
  }
}
