import {
  checkUploadKey,
  decodeKeySegment,
  deviceUploadPrefix,
  DeviceMismatchError,
  encodeKeySegment,
} from '../../../lambdas/core/upload-key';

const rule = { layout: 'device-prefix', incomingPrefix: 'incoming/' } as const;

function mismatch(key: string, deviceId: string): DeviceMismatchError {
  try {
    checkUploadKey(rule, key, deviceId);
  } catch (error) {
    if (error instanceof DeviceMismatchError) return error;
    throw error;
  }
  throw new Error(`${key} was accepted for ${deviceId}`);
}

describe('device key segments', () => {
  it('keep letters, digits, _ and - and escape the rest as =XX', () => {
    expect(encodeKeySegment('CPAP-0001_a')).toBe('CPAP-0001_a');
    expect(encodeKeySegment('a/b#c=d*?$')).toBe('a=2Fb=23c=3Dd=2A=3F=24');
    expect(encodeKeySegment('SN1.2')).toBe('SN1.2');
    // No segment is `.` or `..` or starts with a dot.
    expect(encodeKeySegment('..')).toBe('=2E.');
    expect(encodeKeySegment('%')).toBe('=25');
  });

  it('round-trip every printable ASCII id, and decode only what encode writes', () => {
    const printable = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i));
    for (const ch of printable) {
      for (const id of [ch, `x${ch}`, `${ch}${ch}y`]) {
        const segment = encodeKeySegment(id);
        expect(segment).toMatch(/^[A-Za-z0-9_=-][A-Za-z0-9_.=-]*$/);
        expect(decodeKeySegment(segment)).toBe(id);
      }
    }
    expect(decodeKeySegment('')).toBeUndefined();
    expect(decodeKeySegment('=2f')).toBeUndefined(); // lower-case hex
    expect(decodeKeySegment('=41')).toBeUndefined(); // an escaped plain character
    expect(decodeKeySegment('.a')).toBeUndefined();
    expect(decodeKeySegment('a/b')).toBeUndefined();
  });
});

describe('checkUploadKey', () => {
  it("accepts a key under the header device's own prefix", () => {
    expect(() => checkUploadKey(rule, 'incoming/DEV-1/2024-03-10.dump', 'DEV-1')).not.toThrow();
    expect(() =>
      checkUploadKey(rule, `${deviceUploadPrefix('incoming/', 'a/b#')}x/y.dump`, 'a/b#'),
    ).not.toThrow();
  });

  it("rejects another device's prefix, a key without a device segment and one outside the prefix", () => {
    expect(mismatch('incoming/DEV-2/x.dump', 'DEV-1').code).toBe('E_DEVICE_MISMATCH');
    // A prefix of the id is another device.
    expect(mismatch('incoming/DEV/x.dump', 'DEV-1').message).toMatch(/different device/);
    // The raw id with '/' is two segments, not the device's.
    mismatch('incoming/a/b/x.dump', 'a/b');
    expect(mismatch('incoming/x.dump', 'DEV-1').message).toMatch(/no device segment/);
    expect(mismatch('incoming/DEV-1/', 'DEV-1').message).toMatch(/no device segment/);
    expect(mismatch('other/DEV-1/x.dump', 'DEV-1').message).toMatch(/not under the incoming prefix/);
  });

  it('names neither the device nor the key in its message', () => {
    const error = mismatch('incoming/SECRETDEV2/x.dump', 'SECRETDEV1');
    expect(error.message).not.toMatch(/SECRETDEV/);
  });

  it('checks nothing with the any layout', () => {
    expect(() => checkUploadKey({ ...rule, layout: 'any' }, 'whatever.dump', 'DEV-1')).not.toThrow();
  });
});
