import { buildDump, generateFleetHistory, planFleet, resolveOptions } from '../../../generator';
import { decodeDump } from '../../../lambdas/core/dump';
import { visibleHistory, visibleHistoryDays } from '../../../bench/fleet-history';

const DAY = 86_400_000;

describe('visible fleet history', () => {
  const plan = planFleet({ devices: 6, eventsPerDay: 20, periodDays: 2, seed: 3 });

  it('covers every day an upload re-sends and the 45 days before each upload, within the history', () => {
    const ranges = visibleHistoryDays(plan);
    for (const device of plan.devices) {
      const range = ranges.find((r) => r.deviceIndex === device.deviceIndex);
      if (device.uploads.length === 0) {
        expect(range).toBeUndefined();
        continue;
      }
      expect(range!.lastDay).toBe(Math.floor(device.historyCreatedAt / DAY));
      expect(range!.firstDay).toBeGreaterThanOrEqual(device.firstDay);
      for (const upload of device.uploads) {
        const from = Math.max(
          device.firstDay,
          Math.min(upload.firstDay, Math.floor(upload.createdAt / DAY) - 44),
        );
        expect(range!.firstDay).toBeLessThanOrEqual(from);
      }
    }
  });

  it("holds exactly the full history's records on the days it covers", () => {
    const options = resolveOptions({ seed: 3, eventsPerDay: 20 });
    const records = (bytes: Uint8Array, from: number, to: number) => {
      const d = decodeDump(bytes);
      const out: string[] = [];
      for (let k = 0; k < d.events.length; k++) {
        const day = d.events.dayNumber[k]!;
        if (day < from || day > to) continue;
        out.push(`${d.events.timestamp[k]}|${d.events.seq[k]}|${d.events.type[k]}|${d.events.value[k]}`);
      }
      return out.sort();
    };
    const full = [...generateFleetHistory(plan)].map((dump, i) => ({
      plan: plan.history[i]!,
      bytes: dump.bytes,
    }));
    const parts = visibleHistory(plan);
    expect(parts.length).toBeGreaterThan(0);
    for (const part of parts) {
      expect(part.coverageDays).toBeLessThanOrEqual(365);
      const expected = full
        .filter((h) => h.plan.deviceIndex === part.deviceIndex)
        .flatMap((h) => records(h.bytes, part.firstDay, part.lastDay))
        .sort();
      expect(records(buildDump(part, options).bytes, part.firstDay, part.lastDay)).toEqual(expected);
    }
  });
});
