import { ConfigError } from '../../../lambdas/core/errors';
import { DumpRejectedError } from '../../../lambdas/core/dump';
import { describeError, fileError, reportError } from '../../../cli/errors';

const errno = (code: string) => Object.assign(new Error(`${code}: boom`), { code, errno: -1 });

describe('fileError', () => {
  it.each([
    ['ENOENT', 'there is no such file or directory; check the path'],
    ['EISDIR', 'it is a directory, not a file; give the path of a .dump file'],
    ['ENOTDIR', 'part of the path is a file, not a directory; check the path'],
    ['EACCES', 'permission denied; check the permissions'],
    ['EIO', 'EIO: boom'],
  ])('explains %s in one line with code E_FILE', (code, reason) => {
    const error = fileError('read', '/x/y.dump', errno(code));
    expect(error.code).toBe('E_FILE');
    expect(error.message).toBe(`cannot read /x/y.dump: ${reason}`);
  });
});

describe('describeError', () => {
  it('keeps the code of deliberate errors and labels anything else E_UNEXPECTED', () => {
    expect(describeError(new ConfigError('missing X'))).toEqual({ code: 'E_CONFIG', message: 'missing X' });
    expect(describeError(new TypeError('bad'))).toEqual({ code: 'E_UNEXPECTED', message: 'bad' });
    expect(describeError('text')).toEqual({ code: 'E_UNEXPECTED', message: 'text' });
  });
});

describe('reportError', () => {
  let stderr: jest.SpyInstance;
  let stdout: jest.SpyInstance;
  const savedExitCode = process.exitCode;
  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stderr.mockRestore();
    stdout.mockRestore();
    process.exitCode = savedExitCode;
  });

  it('writes one stderr line, JSON on stdout when asked, and exit status 2 for a rejected dump', () => {
    reportError(new DumpRejectedError('E_MAGIC', 'not a dump\nat all'), { json: true });
    expect(stderr.mock.calls).toEqual([['error E_MAGIC: not a dump at all\n']]);
    expect(stdout.mock.calls).toEqual([
      [`${JSON.stringify({ error: { code: 'E_MAGIC', message: 'not a dump\nat all' } })}\n`],
    ]);
    expect(process.exitCode).toBe(2);
  });

  it('uses exit status 1 for other errors and leaves stdout alone without json', () => {
    reportError(new Error('oops'));
    expect(stderr.mock.calls).toEqual([['error E_UNEXPECTED: oops\n']]);
    expect(stdout).not.toHaveBeenCalled();
    expect(process.exitCode).toBe(1);
  });
});
