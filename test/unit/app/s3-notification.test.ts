import { decodeS3EventKey, objectsFromNotification } from '../../../lambdas/app/s3-notification';
import { DumpflowError } from '../../../lambdas/core/errors';

function notification(key: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        eventTime: '2025-06-01T12:00:00.000Z',
        s3: { bucket: { name: 'dumps' }, object: { key, eTag: 'abc123', ...extra } },
      },
    ],
  });
}

describe('decodeS3EventKey', () => {
  it.each([
    ['incoming/a+b.dump', 'incoming/a b.dump'],
    ['incoming/a%2Bb.dump', 'incoming/a+b.dump'],
    ['incoming/%C3%84rztin+M%C3%BCller/x%3Ay.dump', 'incoming/Ärztin Müller/x:y.dump'],
    ['incoming/plain-key_1.dump', 'incoming/plain-key_1.dump'],
  ])('decodes %s to %s', (encoded, key) => {
    expect(decodeS3EventKey(encoded)).toBe(key);
  });
});

describe('objectsFromNotification', () => {
  it('returns no object for the s3:TestEvent', () => {
    expect(
      objectsFromNotification(
        JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'dumps' }),
      ),
    ).toEqual([]);
  });

  it('names the bucket, the decoded key, the ETag and the upload time', () => {
    expect(objectsFromNotification(notification('incoming/dev+1/a%2Bb.dump'))).toEqual([
      {
        bucket: 'dumps',
        key: 'incoming/dev 1/a+b.dump',
        eTag: 'abc123',
        uploadedAt: Date.UTC(2025, 5, 1, 12),
      },
    ]);
  });

  it('keeps the version id of a versioned bucket', () => {
    expect(objectsFromNotification(notification('k', { versionId: 'v1' }))[0]).toMatchObject({
      versionId: 'v1',
    });
  });

  it('skips records that are not ObjectCreated', () => {
    const body = JSON.stringify({ Records: [{ eventName: 'ObjectRemoved:Delete', s3: {} }] });
    expect(objectsFromNotification(body)).toEqual([]);
  });

  it.each([
    ['not JSON', 'not json'],
    ['no Records', '{"hello":1}'],
    [
      'a record without a key',
      JSON.stringify({
        Records: [
          {
            eventName: 'ObjectCreated:Put',
            eventTime: '2025-06-01T12:00:00Z',
            s3: { bucket: { name: 'b' } },
          },
        ],
      }),
    ],
  ])('throws E_NOTIFICATION for %s', (_what, body) => {
    expect(() => objectsFromNotification(body)).toThrow(DumpflowError);
    try {
      objectsFromNotification(body);
    } catch (error) {
      expect((error as DumpflowError).code).toBe('E_NOTIFICATION');
    }
  });
});
