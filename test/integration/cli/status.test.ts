import { claimDump, readLedger } from '../../../lambdas/core/ledger';
import { writeChunk } from '../../../lambdas/core/storage/write-chunk';
import { at, BASE_DAY, dayEvents } from '../../factories/events';
import { runCli } from '../../support/run-cli';
import { startDump } from '../support/dumps';
import { useTestTable } from '../support/table';

// The CLI runs as a child process with this process's environment: AWS_ENDPOINT_URL_DYNAMODB
// (global setup) aims its `--table` at the test table on DynamoDB Local.
const NOW = at(BASE_DAY + 30);
const LONG_AGO = Date.now() - 30 * 60_000;

interface StatusOutput {
  readonly asOf: string;
  readonly dumps: {
    readonly dumpId: string;
    readonly status: string;
    readonly key: string;
    readonly patientId?: string;
    readonly deviceId?: string;
    readonly overdueMs?: number;
    readonly chunks: { expected: number | null; done: number };
    readonly counts?: { records: number; valid: number };
    readonly totals?: { stored: number; duplicates: number; conflicts: number };
    readonly redrives: number;
  }[];
}

describe('dumpflow status --table', () => {
  const table = useTestTable({ prefix: 'status-cli' });

  it('lists the dumps past their deadline (not a complete one), shows one dump by id or key, and refuses an unknown one', async () => {
    // Claimed and left RECEIVED (its parser died), and fanned out with no chunk committed: both overdue.
    const received = await claimDump(
      table.current,
      { bucket: 'b', key: 'incoming/received.dump', version: 'v1' },
      { uploadedAt: LONG_AGO, now: NOW },
    );
    const processing = await startDump(table.current, dayEvents(BASE_DAY, 2, { perDay: 10 }), {
      patientId: 'P-secret-1',
      now: NOW,
      uploadedAt: LONG_AGO + 1,
    });
    // Uploaded as long ago but complete: not stuck.
    const complete = await startDump(table.current, dayEvents(BASE_DAY + 3, 2, { perDay: 10 }), {
      patientId: 'P-secret-2',
      now: NOW,
      uploadedAt: LONG_AGO,
      ref: { bucket: 'b', key: 'incoming/complete.dump', version: 'v1' },
    });
    for (const message of complete.messages) {
      await writeChunk({ dynamodb: table.current.dynamodb, tableName: table.current.tableName }, message);
    }
    expect(await readLedger(table.current, complete.dumpId)).toMatchObject({ status: 'COMPLETE' });

    const tableArgs = ['--table', table.current.tableName];
    const stuck = await runCli(['status', ...tableArgs, '--stuck', '--json']);
    expect(stuck.stderr).not.toMatch(/^error /m);
    expect(stuck.status).toBe(0);
    const stuckOut = JSON.parse(stuck.stdout) as StatusOutput;
    expect(stuckOut.dumps.map((d) => d.dumpId)).toEqual([received.ledger.dumpId, processing.dumpId]);
    expect(stuckOut.dumps[0]).toMatchObject({
      status: 'RECEIVED',
      key: 'incoming/received.dump',
      chunks: { expected: null, done: 0 },
      redrives: 0,
    });
    expect(stuckOut.dumps[1]).toMatchObject({
      status: 'PROCESSING',
      deviceId: 'DEV-1',
      chunks: { expected: 2, done: 0 },
      counts: { records: 20, valid: 20 },
    });
    expect(stuckOut.dumps[1]!.overdueMs).toBeGreaterThan(15 * 60_000);
    expect(stuck.stdout).not.toContain('P-secret');

    const text = await runCli(['status', ...tableArgs, '--stuck']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^2 dump\(s\) past their deadline/);
    expect(text.stdout).toContain(processing.dumpId);
    expect(text.stdout).not.toContain(complete.dumpId);

    // One dump, by its id: the counts and totals, the patient only when asked for.
    const byId = await runCli(['status', ...tableArgs, '--dump', complete.dumpId, '--json']);
    expect(byId.status).toBe(0);
    const one = JSON.parse(byId.stdout) as StatusOutput;
    expect(one.dumps).toHaveLength(1);
    expect(one.dumps[0]).toMatchObject({
      dumpId: complete.dumpId,
      status: 'COMPLETE',
      chunks: { expected: 2, done: 2 },
      totals: { stored: 20, duplicates: 0, conflicts: 0 },
    });
    expect(one.dumps[0]!.patientId).toBeUndefined();
    const withPatient = await runCli([
      'status',
      ...tableArgs,
      '--dump',
      complete.dumpId,
      '--show-patient',
      '--json',
    ]);
    expect((JSON.parse(withPatient.stdout) as StatusOutput).dumps[0]!.patientId).toBe('P-secret-2');

    // By its object key (in --bucket, or as s3://bucket/key): the same ledger.
    for (const args of [
      ['--dump', 'incoming/complete.dump', '--bucket', 'b'],
      ['--dump', 's3://b/incoming/complete.dump'],
    ]) {
      const byKey = await runCli(['status', ...tableArgs, ...args, '--json']);
      expect(byKey.status).toBe(0);
      expect((JSON.parse(byKey.stdout) as StatusOutput).dumps.map((d) => d.dumpId)).toEqual([
        complete.dumpId,
      ]);
    }
    const human = await runCli(['status', ...tableArgs, '--dump', complete.dumpId]);
    expect(human.stdout).toMatch(/COMPLETE/);
    expect(human.stdout).toMatch(/chunks +2 of 2 done/);
    expect(human.stdout).not.toContain('P-secret');

    // Unknown: one line on stderr saying what to give, exit 1; with --json an error object on stdout.
    for (const dump of ['0123456789abcdef01234567', 's3://b/incoming/never-uploaded.dump']) {
      const unknown = await runCli(['status', ...tableArgs, '--dump', dump, '--json']);
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toMatch(/^error E_NO_DUMP: no dump in the ledger answers to .*$/m);
      expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { code: 'E_NO_DUMP' } });
    }
    const usage = await runCli(['status', ...tableArgs]);
    expect(usage.status).toBe(1);
    expect(usage.stderr).toMatch(/^error E_USAGE: give exactly one of --stuck/m);
  }, 120_000);
});
