import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_NOW, generateDumps } from '../../../generator';
import { decodeDump, encodeDump, toDumpEvents, type DumpEvent } from '../../../lambdas/core/dump';
import { StoreOracle } from '../support/oracle';
import { runCli } from '../../support/run-cli';

const run = (args: readonly string[]) => runCli(args, { timeoutMs: 120_000 });

interface EventsOutput {
  readonly patientId: string;
  readonly deviceId: string;
  readonly events: DumpEvent[];
}

describe('dumpflow events --state', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dumpflow-events-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('returns exactly the stored events of overlapping and conflicting uploads, and the state survives a restart', async () => {
    // Phase 1: two devices, overlapping uploads, one upload also repeating a record with other content.
    const generated = [
      ...generateDumps({ devices: 2, uploadsPerDevice: 2, days: 3, eventsPerDay: 80, seed: 21 }),
    ];
    const first = decodeDump(generated[0]!.bytes);
    const firstEvents = toDumpEvents(first.events);
    const withInnerConflict = encodeDump({
      ...first.header,
      events: [...firstEvents, { ...firstEvents[3]!, value: firstEvents[3]!.value + 0.25 }],
    });
    // Phase 2: a later upload of device 0 whose copies of a few stored events carry other content.
    const conflicting = encodeDump({
      ...first.header,
      events: firstEvents.map((e, i) => (i % 10 === 0 ? { ...e, flags: e.flags ^ 1, value: -0 } : e)),
    });
    const phase1 = path.join(dir, 'phase-1');
    const phase2 = path.join(dir, 'phase-2');
    mkdirSync(phase1);
    mkdirSync(phase2);
    const phase1Dumps: [string, Uint8Array][] = [
      ['a-inner-conflict.dump', withInnerConflict],
      ...generated.slice(1).map((d): [string, Uint8Array] => [d.fileName, d.bytes]),
    ];
    for (const [name, bytes] of phase1Dumps) writeFileSync(path.join(phase1, name), bytes);
    writeFileSync(path.join(phase2, 'later.dump'), conflicting);

    // The spec's rules, one record at a time: within a phase each device's dumps in file order
    // (the one conflicting identity inside a dump goes to its first copy), then phase 2.
    const oracle = new StoreOracle(DEFAULT_NOW);
    for (const bytes of [...phase1Dumps.map(([, b]) => b), conflicting]) {
      const dump = decodeDump(bytes);
      oracle.ingest(dump.header.patientId, dump.header.deviceId, toDumpEvents(dump.events));
    }
    const state = path.join(dir, 'state');
    const now = String(DEFAULT_NOW);
    const local = await run([
      'local',
      '--state',
      state,
      '--dumps',
      phase1,
      '--dumps',
      phase2,
      '--now',
      now,
      '--json',
    ]);
    expect(local.stderr).not.toMatch(/^error /m);
    expect(local.status).toBe(0);

    const { patientId, deviceId } = first.header;
    const expected = [...oracle.stored]
      .filter(([key]) => key.startsWith(`${patientId}|${deviceId}|`))
      .map(([, e]) => e)
      .sort((a, b) => a.timestamp - b.timestamp || a.seq - b.seq || a.type - b.type);
    const read = async () => {
      const result = await run([
        'events',
        '--state',
        state,
        '--patient',
        patientId,
        '--device',
        deviceId,
        '--json',
      ]);
      expect(result.stderr).not.toMatch(/^error /m);
      expect(result.status).toBe(0);
      expect(result.stdout.trim().split('\n')).toHaveLength(1);
      return JSON.parse(result.stdout) as EventsOutput;
    };
    const output = await read();
    expect(output.patientId).toBe(patientId);
    expect(output.deviceId).toBe(deviceId);
    expect(output.events).toHaveLength(expected.length);
    output.events.forEach((e, i) => {
      const want = expected[i]!;
      expect([e.timestamp, e.seq, e.type, e.flags, e.duration]).toEqual([
        want.timestamp,
        want.seq,
        want.type,
        want.flags,
        want.duration,
      ]);
      expect(Object.is(e.value, want.value)).toBe(true);
    });

    // The KPIs as the run reported them, read back from the state.
    const reported = (JSON.parse(local.stdout) as { kpis: Record<string, unknown>[] }).kpis.filter(
      (k) => k['patientId'] === patientId,
    );
    const kpis = await run(['kpis', '--state', state, '--patient', patientId, '--json']);
    expect(kpis.status).toBe(0);
    const stored = (JSON.parse(kpis.stdout) as { patientId: string; kpis: Record<string, unknown>[] }).kpis;
    expect(stored.map(({ windowStart: _w, computedAt: _c, ...row }) => ({ patientId, ...row }))).toEqual(
      reported,
    );

    // A later run on the same state: the same uploads again store nothing, and the events read the same.
    const again = await run(['local', '--state', state, '--dumps', phase1, '--now', now, '--json']);
    expect(again.status).toBe(0);
    const [phase] = (JSON.parse(again.stdout) as { phases: { eventsStored: number; duplicates: number }[] })
      .phases;
    expect(phase!.eventsStored).toBe(0);
    expect(phase!.duplicates).toBeGreaterThan(0);
    expect(await read()).toEqual(output);

    const types = await run([
      'events',
      '--state',
      state,
      '--patient',
      patientId,
      '--device',
      deviceId,
      '--type',
      '1',
      '--csv',
    ]);
    const rows = types.stdout.trim().split('\n');
    expect(rows[0]).toBe('timestamp,seq,type,flags,value,duration');
    expect(rows.slice(1).map((row) => row.split(',')[2])).toEqual(
      expected.filter((e) => e.type === 1).map(() => '1'),
    );
  }, 240_000);
});
