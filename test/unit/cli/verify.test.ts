import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '../../../bin/dumpflow.js');

/** `dumpflow verify ...` with no AWS configuration at all: no credentials, no profile files, no instance metadata. */
function runBare(args: readonly string[], home: string) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: home,
      AWS_REGION: 'eu-west-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000, env }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ status, stdout, stderr });
    });
  });
}

describe('dumpflow verify', () => {
  let home: string;
  beforeAll(() => (home = mkdtempSync(path.join(tmpdir(), 'dumpflow-verify-home-'))));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('says in one line that there are no AWS credentials, and exits 2 (could not verify)', async () => {
    const run = await runBare(['verify', '--bucket', 'dumps', '--table', 'dumpflow', '--json'], home);

    expect(run.status).toBe(2);
    expect(run.stderr.split('\n').filter((line) => line.startsWith('error '))).toEqual([
      expect.stringMatching(/^error E_AWS_CREDENTIALS: no AWS credentials found: set AWS_PROFILE/),
    ]);
    expect(JSON.parse(run.stdout)).toEqual({
      error: { code: 'E_AWS_CREDENTIALS', message: expect.any(String) },
    });
  });

  it('requires the bucket and the table', async () => {
    const run = await runBare(['verify', '--table', 'dumpflow'], home);

    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/required option '--bucket <name>' not specified/);
  });
});
