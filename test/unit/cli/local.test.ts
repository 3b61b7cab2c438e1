import { runCli } from '../../support/run-cli';

describe('dumpflow local', () => {
  it('refuses a bad --faults value before starting anything, saying what to write', async () => {
    const run = await runCli(['local', '--faults', 'throttle=0.3,explode=1']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/option '--faults <spec>' argument 'throttle=0.3,explode=1' is invalid/);
    expect(run.stderr).toMatch(/unknown fault "explode"/);
    expect(run.stderr).toMatch(
      /throttle=0.3,unprocessed=0.3,s3-duplicate=3,redeliver=2,crash=0.05,parser-crash=0.2,conflict=0.1,pause=0.05,ddb-restart=1/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('lists the faults it can inject in its help', async () => {
    const run = await runCli(['local', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/--faults <spec>\s+inject faults: a comma list of throttle=P/);
    expect(run.stdout).toMatch(/--fault-seed <n>/);
  }, 30_000);
});
