import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateDumps } from '../../../generator';
import { runCli } from './run-cli';

describe('dumpflow generate', () => {
  it('writes the same dumps as the library, reports totals on stderr and keeps stdout empty', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dumpflow-generate-'));
    try {
      const args = [
        '--devices',
        '2',
        '--uploads',
        '2',
        '--days',
        '5',
        '--events-per-day',
        '20',
        '--seed',
        '9',
        '--mix',
        '1:1:0',
      ];
      const run = await runCli(['generate', '--out', dir, ...args]);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe('');
      const expected = [
        ...generateDumps({
          devices: 2,
          uploadsPerDevice: 2,
          days: 5,
          eventsPerDay: 20,
          seed: 9,
          mix: [1, 1, 0],
        }),
      ];
      const events = expected.reduce((sum, d) => sum + d.events, 0);
      const bytes = expected.reduce((sum, d) => sum + d.bytes.length, 0);
      expect(run.stderr).toContain(
        `wrote 4 dumps, ${events.toLocaleString('en-US')} events, ${bytes.toLocaleString('en-US')} bytes to ${dir}`,
      );
      expect((await readdir(dir)).sort()).toEqual(expected.map((d) => d.fileName).sort());
      for (const dump of expected) {
        expect((await readFile(path.join(dir, dump.fileName))).equals(Buffer.from(dump.bytes))).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed --mix with one error line and exit status 1', async () => {
    const run = await runCli(['generate', '--out', os.tmpdir(), '--mix', '70:30']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'error E_GENERATOR_OPTIONS: --mix takes three non-negative numbers week:quarter:year, e.g. 70:20:10; got "70:30"\n',
    );
  });
});
