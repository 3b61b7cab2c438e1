import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../support/run-cli';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dumpflow-plan-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Each case starts the CLI (tsx included) once or more: ~1-2 s each, past jest's 5 s on a busy machine.
jest.setTimeout(30_000);

describe('dumpflow plan', () => {
  it('--json prints one object with the kept fields, every cost line and the context to deploy with', async () => {
    const run = await runCli(['plan', '--patients', '200000', '--dumps-per-minute', '140', '--json']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a shape test of the JSON output
    const plan = JSON.parse(run.stdout) as Record<string, any>;
    expect(plan['dynamodb'].readUnitsPerSecond.average).toBeGreaterThan(0);
    expect(plan['dynamodb'].writeUnitsPerSecond.peak).toBeGreaterThan(
      plan['dynamodb'].writeUnitsPerSecond.average,
    );
    expect(plan['perUpload'].project.storedEvents).toBeGreaterThan(2000);
    expect(plan['perUpload'].project.storedEvents).toBeLessThan(5000);
    const lines = plan['monthlyCostUsd'].lines as { name: string; usd: number; formula: string }[];
    expect(lines.map((l) => l.name)).toEqual(
      expect.arrayContaining([
        'dynamodbWrites',
        'dynamodbReads',
        'dynamodbStorage',
        'pointInTimeRecovery',
        'replicatedWrites',
        'replicaStorage',
        'streams',
        'lambdaRequests',
        'lambdaCompute',
        'sqs',
        'kms',
        'logsIngestion',
        'logsStorage',
      ]),
    );
    expect(plan['monthlyCostUsd'].total).toBeCloseTo(
      lines.reduce((sum, l) => sum + l.usd, 0),
      6,
    );
    expect(plan['deployment'].context).toHaveProperty('workerMaxConcurrency');
    expect(plan['prices'].asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('prints the plan as text with the cdk deploy line', async () => {
    const run = await runCli(['plan', '--uploads-per-patient-per-day', '1', '--replicas', '1']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('npx cdk deploy --all -c dumpflow:profile=production');
    expect(run.stdout).toContain('replicatedWrites');
  });

  it('refuses both ways of giving the upload rate, an old units file and an unmeasured kind, each in one line', async () => {
    const both = await runCli(['plan', '--dumps-per-minute', '140', '--uploads-per-patient-per-day', '1']);
    expect(both.status).toBe(1);
    expect(both.stderr.trim()).toMatch(/^error E_PLAN_INPUT: /);

    const old = path.join(dir, 'units.json');
    await writeFile(old, JSON.stringify({ eventsPerDay: 3000, perUpload: {} }));
    const stale = await runCli(['plan', '--units', old]);
    expect(stale.stderr.trim()).toMatch(/^error E_UNITS_FORMAT: /);
    expect(stale.stderr.trim().split('\n')).toHaveLength(1);

    const measured = JSON.parse(
      await readFile(path.join(__dirname, '..', '..', '..', 'bench', 'results', 'fleet-units.json'), 'utf8'),
    ) as { uploads: { kind: string }[] };
    const weeksOnly = path.join(dir, 'weeks.json');
    await writeFile(
      weeksOnly,
      JSON.stringify({ ...measured, uploads: measured.uploads.filter((u) => u.kind === 'week') }),
    );
    const unmeasured = await runCli(['plan', '--units', weeksOnly]);
    expect(unmeasured.stderr.trim()).toMatch(
      /^error E_PLAN_INPUT: the units file has no measured quarter upload/,
    );
    expect((await runCli(['plan', '--units', weeksOnly, '--mix', '100:0:0'])).status).toBe(0);
  });
});
