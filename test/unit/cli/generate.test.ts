import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  generateDumps,
  generateFleetHistory,
  generateFleetUploads,
  planFleet,
  summarizeFleet,
  type FleetManifest,
} from '../../../generator';
import { runCli } from '../../support/run-cli';

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

  it('writes a fleet workload with --fleet: history/, uploads/ and a manifest in time order', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dumpflow-generate-fleet-'));
    try {
      const args = ['--devices', '3', '--events-per-day', '20', '--seed', '4', '--mix', '1:1:1'];
      const fleet = [
        '--history-days',
        '20-40',
        '--spread',
        '0.5',
        '--spread-cadence-days',
        '2-3',
        '--period-days',
        '2',
      ];
      const run = await runCli(['generate', '--out', dir, '--fleet', '--quiet', ...args, ...fleet]);
      expect(run.status).toBe(0);
      expect(run.stdout).toBe('');

      const plan = planFleet({
        devices: 3,
        eventsPerDay: 20,
        seed: 4,
        mix: [1, 1, 1],
        historyDays: [20, 40],
        spread: 0.5,
        spreadCadenceDays: [2, 3],
        periodDays: 2,
      });
      const history = [...generateFleetHistory(plan)];
      const uploads = [...generateFleetUploads(plan)];
      expect((await readdir(path.join(dir, 'history'))).sort()).toEqual(
        history.map((d) => d.fileName).sort(),
      );
      expect((await readdir(path.join(dir, 'uploads'))).sort()).toEqual(
        uploads.map((d) => d.fileName).sort(),
      );
      for (const [part, dumps] of [
        ['history', history],
        ['uploads', uploads],
      ] as const) {
        for (const dump of dumps) {
          const bytes = await readFile(path.join(dir, part, dump.fileName));
          expect(bytes.equals(Buffer.from(dump.bytes))).toBe(true);
        }
      }

      const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as FleetManifest;
      expect(manifest.format).toBe('dumpflow-fleet/1');
      expect(manifest.options.historyDays).toEqual([20, 40]);
      expect(manifest.summary).toEqual(summarizeFleet(uploads));
      expect(manifest.history.map((h) => [h.file, h.records])).toEqual(
        history.map((d) => [`history/${d.fileName}`, d.events]),
      );
      expect(
        manifest.uploads.map((u) => [u.file, u.kind, Date.parse(u.createdAt), u.records, u.newEvents]),
      ).toEqual(uploads.map((d) => [`uploads/${d.fileName}`, d.kind, d.createdAt, d.events, d.newEvents]));
      const times = manifest.uploads.map((u) => u.createdAt);
      expect(times).toEqual([...times].sort());
      expect(run.stderr).toContain(
        `${uploads.length} uploads (${manifest.summary.uploadsByKind.week} week, ${manifest.summary.uploadsByKind.quarter} quarter`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses a bad fleet option, or a fleet option without --fleet, with one error line and status 1', async () => {
    const range = await runCli(['generate', '--out', os.tmpdir(), '--fleet', '--history-days', '400-45']);
    expect(range.status).toBe(1);
    expect(range.stderr).toBe(
      'error E_GENERATOR_OPTIONS: historyDays must be two whole numbers of days from 1 to 3650, the first no ' +
        'larger than the second (a device stores at least its first day); got 400-45\n',
    );
    const stray = await runCli(['generate', '--out', os.tmpdir(), '--period-days', '3']);
    expect(stray.status).toBe(1);
    expect(stray.stderr).toBe(
      'error E_GENERATOR_OPTIONS: --period-days only applies with --fleet; add --fleet or drop it\n',
    );
  }, 30_000);
});
