import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../support/run-cli';

const run = (args: readonly string[], env: NodeJS.ProcessEnv = process.env) =>
  runCli(args, { timeoutMs: 90_000, env });

describe('dumpflow local', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dumpflow-local-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints exactly one JSON object with the phase report and the KPIs on stdout with --json', async () => {
    const logFile = path.join(dir, 'functions.jsonl');
    const { status, stdout, stderr } = await run([
      'local',
      '--generate',
      '2',
      '--events-per-day',
      '100',
      '--json',
      '--log-file',
      logFile,
    ]);

    expect(stderr).not.toMatch(/^error /m);
    expect(status).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    const result = JSON.parse(stdout) as {
      phases: Record<string, unknown>[];
      kpis: Record<string, unknown>[];
      deadLetters: Record<string, number>;
    };
    expect(Object.keys(result)).toEqual(['phases', 'kpis', 'deadLetters']);
    expect(result.deadLetters).toEqual({ dumpQueue: 0, fanoutQueue: 0, kpiFailures: 0 });
    expect(result.phases).toHaveLength(1);
    const [phase] = result.phases;
    expect(Object.keys(phase!).sort()).toEqual(
      [
        'dumps',
        'rejectedDumps',
        'eventsParsed',
        'eventsStored',
        'duplicates',
        'conflicts',
        'rejectedRecords',
        'expired',
        'readUnits',
        'writeUnits',
        'dynamodbLocal',
        'elapsedMs',
        'latencyMs',
      ].sort(),
    );
    expect(phase).toMatchObject({ dumps: 2, rejectedDumps: {}, expired: 0, conflicts: 0 });
    expect(phase!['eventsParsed']).toBe(
      (phase!['eventsStored'] as number) + (phase!['duplicates'] as number),
    );
    expect(result.kpis).toHaveLength(1);
    expect(Object.keys(result.kpis[0]!)).toEqual([
      'patientId',
      'deviceId',
      'asOf',
      'usageDays',
      'compliancePct',
      'avgUsageMinutes',
      'ahi',
      'meanLeak',
      'alarms',
      'events',
    ]);
    // The handlers' JSON logs went to the log file, and stderr says where.
    expect(stderr).toContain(`function logs: ${logFile}`);
    expect(readFileSync(logFile, 'utf8')).toMatch(/"message":"dump fanned out"/);
  }, 90_000);

  it('verifies the local bucket and table after the phases with --verify and finds nothing wrong', async () => {
    const { status, stdout } = await run([
      'local',
      '--generate',
      '2',
      '--days',
      '2',
      '--events-per-day',
      '50',
      '--verify',
      '--json',
      '--log-file',
      path.join(dir, 'verify.jsonl'),
    ]);

    expect(status).toBe(0);
    const result = JSON.parse(stdout) as {
      phases: { eventsParsed: number }[];
      verify: {
        counts: { dumps: number; validDumps: number; recordsChecked: number };
        differences: unknown[];
      };
    };
    expect(Object.keys(result)).toEqual(['phases', 'kpis', 'deadLetters', 'verify']);
    expect(result.verify.differences).toEqual([]);
    expect(result.verify.counts).toMatchObject({ dumps: 2, validDumps: 2 });
    expect(result.verify.counts.recordsChecked).toBe(result.phases[0]!.eventsParsed);
  }, 90_000);

  it('says in one line that Java is needed when it cannot start DynamoDB Local', async () => {
    const { status, stdout, stderr } = await run(
      ['local', '--generate', '1', '--log-file', path.join(dir, 'x.jsonl')],
      {
        ...process.env,
        // node is started by absolute path; only the java lookup goes through PATH.
        PATH: dir,
      },
    );

    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(
      stderr
        .trim()
        .split('\n')
        .filter((line) => line.startsWith('error ')),
    ).toEqual([expect.stringMatching(/^error E_JAVA: Java 17\+ is required/)]);
  }, 30_000);
});
