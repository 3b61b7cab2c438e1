import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { decodeDump, encodeDump } from '../../../lambdas/core/dump';
import { aDump } from '../../factories/dumps';
import { event } from '../../factories/events';
import { runCli } from '../../support/run-cli';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dumpflow-inspect-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function dumpFile(name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
}

describe('dumpflow inspect', () => {
  it('--json prints exactly one JSON object with the documented fields', async () => {
    const MIDNIGHT = Date.UTC(2024, 2, 11);
    const bytes = encodeDump({
      deviceId: 'DEV#1',
      patientId: 'PAT!{x}',
      createdAt: MIDNIGHT + 3_600_000,
      events: [
        event({ timestamp: MIDNIGHT - 1, seq: 1 }),
        event({ timestamp: MIDNIGHT, seq: 2 }),
        event({ timestamp: MIDNIGHT + 5, seq: 3 }),
        event({ timestamp: 5, seq: 4 }),
        event({ timestamp: MIDNIGHT, seq: 5, value: NaN }),
      ],
    });
    const run = await runCli(['inspect', await dumpFile('ok.dump', bytes), '--json']);
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toEqual({
      deviceId: 'DEV#1',
      patientId: 'PAT!{x}',
      version: 1,
      recordSize: 32,
      createdAt: '2024-03-11T01:00:00.000Z',
      records: 5,
      validRecords: 3,
      rejectedRecords: { R_TIME_RANGE: 1, R_VALUE: 1 },
      days: [
        { day: '2024-03-10', events: 1 },
        { day: '2024-03-11', events: 2 },
      ],
    });
  });

  it('prints a readable summary without --json', async () => {
    const bytes = aDump();
    const run = await runCli(['inspect', await dumpFile('human.dump', bytes)]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('device     DEV-0001');
    expect(run.stdout).toContain('patient    PAT-0001');
    expect(run.stdout).toMatch(/records +5: 5 valid, 0 R_TIME_RANGE, 0 R_VALUE/);
    expect(run.stdout).toContain(decodeDump(bytes).days[0]!.day);
  });

  it('rejects a cut-short dump: exit 2, one "error E_TRUNCATED: ..." line, the error as JSON on stdout', async () => {
    const whole = aDump();
    const run = await runCli([
      'inspect',
      await dumpFile('cut.dump', whole.subarray(0, whole.length - 9)),
      '--json',
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr.split('\n')).toEqual([
      expect.stringMatching(/^error E_TRUNCATED: the file ends after /),
      '',
    ]);
    const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('E_TRUNCATED');
    expect(run.stderr).toBe(`error E_TRUNCATED: ${error.message}\n`);
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('reports a missing file in one line with E_FILE and exit status 1', async () => {
    const run = await runCli(['inspect', path.join(dir, 'missing.dump')]);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `error E_FILE: cannot read ${path.join(dir, 'missing.dump')}: there is no such file or directory; check the path\n`,
    );
    expect(run.stdout).toBe('');
  });

  it('prints a createdAt beyond the Date range instead of crashing', async () => {
    const max = 2n ** 64n - 1n;
    const bytes = encodeDump({
      deviceId: 'ABCDEFGHIJKLMNOP',
      patientId: 'P',
      createdAt: max,
      events: [{ ...event(), timestamp: 2n ** 60n }, event({ timestamp: Date.UTC(2024, 0, 1) })],
    });
    const run = await runCli(['inspect', await dumpFile('huge.dump', bytes), '--json']);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as { createdAt: string; days: Array<{ day: string }> };
    expect(report.createdAt).toBe('+584556019-04-03T14:25:51.615Z');
    expect(report.days.map((d) => d.day)).toEqual([
      '2024-01-01',
      '+36536598-01-28' /* 2^60 ms is ~36.53 million years after 1970 */,
    ]);
  });
});
