import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_NOW, generateDumps } from '../../../generator';
import { decodeDump } from '../../../lambdas/core/dump';
import type { EraseReport } from '../../../erase';
import { runCli } from '../../support/run-cli';

const run = (args: readonly string[]) => runCli(args, { timeoutMs: 120_000 });

describe('dumpflow erase --state', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dumpflow-erase-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("erases one patient of a kept local state: events and KPIs gone, the other patient's untouched", async () => {
    const generated = [
      ...generateDumps({ devices: 2, uploadsPerDevice: 1, days: 2, eventsPerDay: 40, seed: 31 }),
    ];
    const dumps = path.join(dir, 'dumps');
    mkdirSync(dumps);
    for (const d of generated) writeFileSync(path.join(dumps, d.fileName), d.bytes);
    const [victim, other] = generated.map((d) => decodeDump(d.bytes).header);
    const state = path.join(dir, 'state');
    const local = await run([
      'local',
      '--state',
      state,
      '--dumps',
      dumps,
      '--now',
      String(DEFAULT_NOW),
      '--json',
    ]);
    expect(local.stderr).not.toMatch(/^error /m);
    expect(local.status).toBe(0);

    const events = (who: typeof victim) =>
      run(['events', '--state', state, '--patient', who!.patientId, '--device', who!.deviceId, '--json']);
    const otherBefore = await events(other);
    expect((JSON.parse(otherBefore.stdout) as { events: unknown[] }).events.length).toBeGreaterThan(0);

    const erase = async (...flags: string[]) => {
      const result = await run([
        'erase',
        '--state',
        state,
        '--patient',
        victim!.patientId,
        ...flags,
        '--json',
      ]);
      expect(result.stderr).not.toMatch(/^error /m);
      expect(result.status).toBe(0);
      return JSON.parse(result.stdout) as EraseReport;
    };
    const dry = await erase('--dry-run');
    expect(dry).toMatchObject({ dryRun: true, devices: 1, dumps: 1, s3Skipped: true });
    expect(dry.found.kpis).toBe(1);
    expect(dry.found.eventPages).toBeGreaterThan(0);
    const erased = await erase('--yes');
    expect(erased.deleted).toEqual(dry.found);

    const victimAfter = JSON.parse((await events(victim)).stdout) as { events: unknown[] };
    expect(victimAfter.events).toEqual([]);
    const kpis = await run(['kpis', '--state', state, '--patient', victim!.patientId, '--json']);
    expect((JSON.parse(kpis.stdout) as { kpis: unknown[] }).kpis).toEqual([]);
    expect((await events(other)).stdout).toBe(otherBefore.stdout);

    // Again: nothing left to find.
    const again = await erase('--yes');
    expect(Object.values(again.found).every((n) => n === 0)).toBe(true);
  }, 240_000);
});
