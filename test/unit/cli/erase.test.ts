import { runCli } from '../../support/run-cli';

describe('dumpflow erase', () => {
  it('refuses to run without --dry-run or --yes: one error line, no stack trace, exit 1', async () => {
    const run = await runCli(['erase', '--patient', 'P1', '--table', 'T', '--bucket', 'B']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'error E_CONFIRM: erasure deletes data for good: run with --dry-run first to see what it finds, then with --yes to delete it\n',
    );
    expect(run.stdout).toBe('');
  });

  it('refuses --dry-run together with --yes, and --bucket with --state', async () => {
    const both = await runCli(['erase', '--patient', 'P1', '--table', 'T', '--dry-run', '--yes']);
    expect(both.status).toBe(1);
    expect(both.stderr).toMatch(/^error E_USAGE: give either --dry-run .* or --yes .*, not both\n$/);
    const state = await runCli([
      'erase',
      '--patient',
      'P1',
      '--state',
      '/nonexistent',
      '--bucket',
      'B',
      '--yes',
    ]);
    expect(state.stderr).toMatch(/^error E_USAGE: --bucket goes with --table/);
  });

  it('needs exactly one of --table and --state', async () => {
    const run = await runCli(['erase', '--patient', 'P1', '--dry-run', '--json']);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      error: { code: 'E_USAGE', message: expect.stringMatching(/exactly one of --table NAME/) },
    });
  });
});
