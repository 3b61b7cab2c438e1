import { H, ID_LENGTH } from '../lambdas/core/dump/layout';
import { deviceUploadPrefix, type UploadKeyRule } from '../lambdas/core/upload-key';

/**
 * The device a local upload comes from: the one named, else the header's deviceId read as is
 * (no checks: a malformed dump is still uploaded under its device's prefix and gets the spec's
 * code), else `unknown` for a file too damaged to name one.
 */
export function uploaderDeviceId(bytes: Uint8Array, named?: string): string {
  if (named !== undefined) return named;
  const field = bytes.subarray(H.deviceId, H.deviceId + ID_LENGTH);
  const end = field.indexOf(0);
  const id = String.fromCharCode(...field.subarray(0, end < 0 ? field.length : end));
  return field.length === ID_LENGTH && /^[\x21-\x7e]+$/.test(id) ? id : 'unknown';
}

/**
 * Where the local runtime puts a dump: under its device's prefix (`incoming/{device}/`) with the
 * device-prefix layout, as a device gateway does, then the run's own `rest` (`phase-1/`, ...).
 */
export function localUploadKey(rule: UploadKeyRule, deviceId: string, rest: string): string {
  return rule.layout === 'device-prefix'
    ? `${deviceUploadPrefix(rule.incomingPrefix, deviceId)}${rest}`
    : `${rule.incomingPrefix}${rest}`;
}
