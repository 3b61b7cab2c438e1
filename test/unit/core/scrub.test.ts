import { DumpflowError } from '../../../lambdas/core/errors';
import { REDACTED, scrubError, ScrubbedError, scrubText } from '../../../lambdas/core/scrub';

describe('scrubText', () => {
  it('replaces known ids in every form a key gives them (escaped, key segment, URL-encoded)', () => {
    const rule = { identifiers: ['P#7', 'DEV/1'] };
    expect(scrubText('patient P#7, escaped P%237, device DEV/1 as DEV=2F1 or DEV%2F1', rule)).toBe(
      `patient ${REDACTED}, escaped ${REDACTED}, device ${REDACTED} as ${REDACTED} or ${REDACTED}`,
    );
  });

  it('replaces whole object keys under the given prefixes and table keys that hold ids', () => {
    const rule = { prefixes: ['incoming/', 'rejected/'] };
    expect(scrubText("GetObject incoming/DEV-9/PAT-3.dump failed; copy 'rejected/incoming/x y'", rule)).toBe(
      `GetObject ${REDACTED} failed; copy '${REDACTED} y'`,
    );
    expect(scrubText('item S#PAT-3#DEV-9 and E#20240310#PAT-3#DEV-9#0, K#bucket/key', {})).toBe(
      `item ${REDACTED} and ${REDACTED}, ${REDACTED}`,
    );
    // Opaque dump ids, chunk and day sort keys stay readable.
    expect(scrubText('L#0123abcd CHUNK#20240310-1 DAY#2024-03-10', {})).toBe(
      'L#0123abcd CHUNK#20240310-1 DAY#2024-03-10',
    );
  });
});

describe('scrubError', () => {
  it("replaces any error not dumpflow's own, dropping the service fields it carries", () => {
    const sdkError = Object.assign(new Error('The specified key does not exist.'), {
      name: 'NoSuchKey',
      Key: 'incoming/DEV-9/PAT-3.dump',
    });
    const scrubbed = scrubError(sdkError, {});
    expect(scrubbed).toBeInstanceOf(ScrubbedError);
    expect(JSON.stringify(scrubbed)).not.toMatch(/DEV-9|PAT-3/);
    expect((scrubbed as Error).message).toBe('The specified key does not exist.');
  });

  it('returns the error itself when nothing in it names an id', () => {
    const error = new DumpflowError('E_X', 'nothing to hide');
    expect(scrubError(error, { identifiers: ['PAT-3'] })).toBe(error);
  });

  it('keeps the code, scrubs the message and its causes, and drops the cause chain', () => {
    const cause = new Error('The key incoming/DEV-9/a.dump does not exist');
    const error = new DumpflowError('E_READ', 'reading the dump of PAT-3 failed', { cause });
    const scrubbed = scrubError(error, { identifiers: ['PAT-3'], prefixes: ['incoming/'] });
    expect(scrubbed).toBeInstanceOf(ScrubbedError);
    expect(scrubbed).toMatchObject({ code: 'E_READ', originalName: 'DumpflowError' });
    expect((scrubbed as Error).message).toBe(
      `reading the dump of ${REDACTED} failed; caused by: The key ${REDACTED} does not exist`,
    );
    expect((scrubbed as Error).cause).toBeUndefined();
    expect((scrubbed as Error).stack).not.toMatch(/PAT-3|DEV-9/);
    expect(scrubError(new TypeError('bad PAT-3'), { identifiers: ['PAT-3'] })).toMatchObject({
      code: 'E_UNEXPECTED',
      originalName: 'TypeError',
    });
  });
});
