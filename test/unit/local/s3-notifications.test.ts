import fc from 'fast-check';
import {
  encodeS3EventKey,
  s3ObjectCreatedEvent,
  s3TestEvent,
} from '../../../local/event-sources/s3-notifications';

/** Key characters, weighted towards the ones S3 escapes (fc's 'binary' unit is slow to build). */
const keyChar = fc.oneof(
  fc.constantFrom(' ', '+', '/', '%', ':', '=', '&', '~', '*'),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
  fc
    .integer({ min: 0x80, max: 0x10ffff })
    .filter((c) => c < 0xd800 || c > 0xdfff)
    .map((c) => String.fromCodePoint(c)),
);

/** How a consumer of S3 notifications gets the real key back (form decoding). */
const decode = (key: string) => decodeURIComponent(key.replaceAll('+', ' '));

describe('encodeS3EventKey', () => {
  it.each([
    ['dumps/device 1/day.bin', 'dumps/device+1/day.bin'],
    ['c++ dump.bin', 'c%2B%2B+dump.bin'],
    ['2024-03-10T08:30:00Z.bin', '2024-03-10T08%3A30%3A00Z.bin'],
    ['patient=p1/dump.bin', 'patient%3Dp1/dump.bin'],
    ['Müller/日本.bin', 'M%C3%BCller/%E6%97%A5%E6%9C%AC.bin'],
    ['a~b(1)&c', 'a%7Eb%281%29%26c'],
    ['safe-chars_*.bin', 'safe-chars_*.bin'],
    ['100%.bin', '100%25.bin'],
  ])('encodes %j as %j', (key, encoded) => {
    expect(encodeS3EventKey(key)).toBe(encoded);
  });

  it('is undone by form decoding for any key', () => {
    fc.assert(
      fc.property(fc.string({ unit: keyChar, minLength: 1 }), (key) => {
        expect(decode(encodeS3EventKey(key))).toBe(key);
      }),
    );
  });

  it('leaves no space and no literal plus from the key in the result', () => {
    fc.assert(
      fc.property(fc.string({ unit: keyChar }), (key) => {
        const encoded = encodeS3EventKey(key);
        expect(encoded).not.toContain(' ');
        expect(encoded.split('+').length - 1).toBe(key.split(' ').length - 1);
      }),
    );
  });
});

describe('s3ObjectCreatedEvent', () => {
  const eventTime = new Date('2024-03-12T08:30:00.123Z');

  it('builds the ObjectCreated:Put record S3 sends to a queue', () => {
    const event = s3ObjectCreatedEvent(
      {
        bucket: 'dumpflow-dumps',
        key: 'in/a b.bin',
        size: 1234,
        eTag: '"9b2cf535f27731c974343645a3985328"',
        eventTime,
      },
      'eu-west-1',
    );
    expect(event.Records).toHaveLength(1);
    const [record] = event.Records;
    expect(record).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2024-03-12T08:30:00.123Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: expect.stringMatching(/^AWS:/) },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: {
        'x-amz-request-id': expect.stringMatching(/^[0-9A-F]{16}$/),
        'x-amz-id-2': expect.stringMatching(/^[A-Za-z0-9+/=]{76}$/),
      },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'dumpflow-dump-created',
        bucket: {
          name: 'dumpflow-dumps',
          ownerIdentity: { principalId: expect.any(String) },
          arn: 'arn:aws:s3:::dumpflow-dumps',
        },
        object: {
          key: 'in/a+b.bin',
          size: 1234,
          eTag: '9b2cf535f27731c974343645a3985328',
          sequencer: expect.stringMatching(/^[0-9A-F]{16,}$/),
        },
      },
    });
    expect(record?.s3.object).not.toHaveProperty('versionId');
  });

  it('carries the version id of a versioned bucket', () => {
    const event = s3ObjectCreatedEvent(
      {
        bucket: 'b',
        key: 'k',
        size: 1,
        eTag: 'e',
        versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
        eventTime,
      },
      'us-east-1',
    );
    expect(event.Records[0]?.s3.object.versionId).toBe('3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY');
  });

  it('gives later events a larger sequencer', () => {
    const object = { bucket: 'b', key: 'k', size: 1, eTag: 'e', eventTime };
    const first = s3ObjectCreatedEvent(object, 'us-east-1').Records[0]!.s3.object.sequencer;
    const second = s3ObjectCreatedEvent(object, 'us-east-1').Records[0]!.s3.object.sequencer;
    expect(BigInt(`0x${second}`)).toBeGreaterThan(BigInt(`0x${first}`));
  });
});

describe('s3TestEvent', () => {
  it('has the shape S3 uses when a notification configuration is saved (no Records)', () => {
    const event = s3TestEvent('dumpflow-dumps', new Date('2024-03-12T08:30:00.000Z'));
    expect(event).toEqual({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2024-03-12T08:30:00.000Z',
      Bucket: 'dumpflow-dumps',
      RequestId: expect.stringMatching(/^[0-9A-F]{16}$/),
      HostId: expect.any(String),
    });
    expect(event).not.toHaveProperty('Records');
  });
});
