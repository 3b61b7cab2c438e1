import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateDumps, generateSingleDump, type GeneratedDump } from '../../../generator';
import { writeDumps } from '../../../generator/files';
import { decodeDump, formatDay, identityKey, type DecodedDump } from '../../../lambdas/core/dump';

const small = { devices: 4, uploadsPerDevice: 3, days: 20, eventsPerDay: 40 } as const;
/** Node 20 has no Map.groupBy. */
function byDevice(dumps: GeneratedDump[]): GeneratedDump[][] {
  const groups = new Map<string, GeneratedDump[]>();
  for (const dump of dumps) groups.set(dump.deviceId, [...(groups.get(dump.deviceId) ?? []), dump]);
  return [...groups.values()];
}

const all = (options: Parameters<typeof generateDumps>[0]) => [...generateDumps(options)];

/** identity (day + identityKey) -> the record's 32 bytes as hex, for one decoded dump. */
function recordsByIdentity(dump: GeneratedDump): Map<string, string> {
  const decoded = decodeDump(dump.bytes);
  const out = new Map<string, string>();
  for (const group of decoded.days) {
    for (const i of group.indices) {
      const at = 64 + i * 32; // generated dumps have no rejected records, so event i is record i
      out.set(
        `${group.day}/${identityKey(decoded.events, i)}`,
        Buffer.from(dump.bytes.subarray(at, at + 32)).toString('hex'),
      );
    }
  }
  return out;
}

describe('generateDumps', () => {
  it('is deterministic: the same options give the same bytes and metadata', () => {
    const a = all(small);
    const b = all(small);
    expect(a.map((d) => d.fileName)).toEqual(b.map((d) => d.fileName));
    a.forEach((dump, i) => expect(Buffer.from(dump.bytes).equals(Buffer.from(b[i]!.bytes))).toBe(true));
  });

  it('gives different devices and data for a different seed', () => {
    const a = all({ ...small, seed: 1 });
    const b = all({ ...small, seed: 2 });
    expect(new Set(a.map((d) => d.deviceId))).not.toEqual(new Set(b.map((d) => d.deviceId)));
    expect(a[0]!.deviceId).toMatch(/^D[0-9a-z]{4}-\d{6}$/);
    expect(a[0]!.patientId).toBe(a[0]!.deviceId.replace(/^D/, 'P'));
  });

  it('produces valid dumps with no rejected records, holding what the metadata says', () => {
    for (const dump of all(small)) {
      const decoded = decodeDump(dump.bytes);
      expect(decoded.rejectedRecords).toEqual({ R_TIME_RANGE: 0, R_VALUE: 0 });
      expect(decoded.header.deviceId).toBe(dump.deviceId);
      expect(decoded.header.patientId).toBe(dump.patientId);
      expect(decoded.header.createdAt).toBe(dump.createdAt);
      expect(decoded.events.length).toBe(dump.events);
      expect(dump.fileName).toBe(`${dump.deviceId}-${dump.upload}.dump`);
      for (const group of decoded.days) {
        expect(group.dayNumber).toBeGreaterThanOrEqual(dump.firstDay);
        expect(group.dayNumber).toBeLessThanOrEqual(dump.lastDay);
      }
      // Files are in time order, as a device writes them.
      const ts = Array.from(decoded.events.timestamp);
      expect(ts).toEqual([...ts].sort((x, y) => x - y));
    }
  });

  it('orders uploads oldest first and moves each device forward in time', () => {
    const dumps = all(small);
    const created = dumps.map((d) => d.createdAt);
    expect(created).toEqual([...created].sort((x, y) => x - y));
    const devices = byDevice(dumps);
    expect(devices).toHaveLength(4);
    for (const uploads of devices) {
      expect(uploads.map((u) => u.upload)).toEqual([1, 2, 3]);
      for (let k = 1; k < uploads.length; k++) {
        expect(uploads[k]!.createdAt).toBeGreaterThan(uploads[k - 1]!.createdAt);
        expect(uploads[k]!.lastDay).toBeGreaterThan(uploads[k - 1]!.lastDay);
      }
    }
  });

  it('overlapping uploads carry byte-identical copies of the same events, and complete the partial day', () => {
    const dumps = all({ devices: 6, uploadsPerDevice: 3, days: 30, eventsPerDay: 60, seed: 7 });
    let overlapping = 0;
    let completed = 0;
    for (const uploads of byDevice(dumps)) {
      for (let k = 1; k < uploads.length; k++) {
        const earlier = uploads[k - 1]!;
        const later = uploads[k]!;
        // Every upload re-sends at least the earlier upload's last day.
        expect(later.firstDay).toBeLessThanOrEqual(earlier.lastDay);
        const before = recordsByIdentity(earlier);
        const after = recordsByIdentity(later);
        const firstShared = formatDay(later.firstDay);
        for (const [identity, bytes] of before) {
          if (identity.slice(0, 10) < firstShared) continue;
          expect(after.get(identity)).toBe(bytes);
          overlapping++;
        }
        const lastDay = decodeDump(earlier.bytes).days.at(-1)!.day;
        const count = (m: Map<string, string>) => [...m.keys()].filter((id) => id.startsWith(lastDay)).length;
        expect(count(after)).toBeGreaterThanOrEqual(count(before));
        if (count(after) > count(before)) completed++;
      }
    }
    expect(overlapping).toBeGreaterThan(100);
    // Uploads are taken in the daytime while events keep coming: later uploads complete the day.
    expect(completed).toBeGreaterThan(0);
  });

  it('leaves out events the device had not finished writing at createdAt', () => {
    for (const dump of all({ devices: 10, uploadsPerDevice: 2, days: 7, eventsPerDay: 20, seed: 3 })) {
      const { events } = decodeDump(dump.bytes);
      let unfinished = 0;
      for (let i = 0; i < events.length; i++) {
        if (events.timestamp[i]! + events.duration[i]! * 1000 > dump.createdAt) unfinished++;
      }
      expect(unfinished).toBe(0);
    }
  });
});

describe('generateSingleDump', () => {
  let decoded: DecodedDump;
  let dump: GeneratedDump;
  beforeAll(() => {
    dump = generateSingleDump({ days: 120, eventsPerDay: 300, seed: 11 });
    decoded = decodeDump(dump.bytes);
  });

  it('covers exactly the requested days', () => {
    expect(dump.lastDay - dump.firstDay + 1).toBe(120);
    expect(dump.kind).toBe('year');
    expect(decoded.days.length).toBeGreaterThan(100);
  });

  it('averages about eventsPerDay events per day', () => {
    const full = decoded.days.slice(1, -1); // the edges are partial
    const mean = full.reduce((sum, g) => sum + g.indices.length, 0) / 118;
    expect(mean).toBeGreaterThan(300 * 0.85);
    expect(mean).toBeLessThan(300 * 1.15);
  });
});

describe('writeDumps', () => {
  it('writes <deviceId>-<n>.dump files with the generated bytes and reports totals', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dumpflow-gen-'));
    try {
      const options = { devices: 2, uploadsPerDevice: 2, days: 7, eventsPerDay: 10 };
      const seen: string[] = [];
      const written = await writeDumps(dir, options, (d) => seen.push(d.fileName));
      const expected = all(options);
      expect((await readdir(dir)).sort()).toEqual(expected.map((d) => d.fileName).sort());
      expect(seen).toEqual(expected.map((d) => d.fileName));
      expect(written.events).toBe(expected.reduce((s, d) => s + d.events, 0));
      expect(written.bytes).toBe(expected.reduce((s, d) => s + d.bytes.length, 0));
      const first = await readFile(path.join(dir, expected[0]!.fileName));
      expect(first.equals(Buffer.from(expected[0]!.bytes))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
