import {
  countNewEvents,
  DEFAULT_NOW,
  generateFleetHistory,
  generateFleetUploads,
  GeneratorOptionsError,
  parseDayRange,
  parseShare,
  planFleet,
  resolveFleetOptions,
  summarizeFleet,
  WINDOW_DAYS,
  type FleetOptions,
  type FleetPlan,
  type GeneratedDump,
} from '../../../generator';
import { decodeDump, RECORD_SIZE, HEADER_SIZE } from '../../../lambdas/core/dump';

const MS_PER_DAY = 86_400_000;
const HOUR = 3_600_000;
/** Tests decoding every dump take ~2 s alone, more on a machine busy with other work. */
const DECODING_TIMEOUT = 30_000;

/** Few devices and events, so that decoding every dump stays fast. */
const small: FleetOptions = {
  devices: 6,
  eventsPerDay: 30,
  spread: 0.5,
  periodDays: 10,
  mix: [1, 1, 1],
  historyDays: [30, 400],
};

/** identity (timestamp, seq, type) -> the record's 32 bytes, for every record of a dump. */
function records(dump: GeneratedDump): Map<string, string> {
  const { events } = decodeDump(dump.bytes);
  const out = new Map<string, string>();
  for (let i = 0; i < events.length; i++) {
    // Generated dumps reject no record, so event i is record i.
    const at = HEADER_SIZE + i * RECORD_SIZE;
    out.set(
      `${events.timestamp[i]}/${events.seq[i]}/${events.type[i]}`,
      Buffer.from(dump.bytes.subarray(at, at + RECORD_SIZE)).toString('hex'),
    );
  }
  return out;
}

function bytesOf(dumps: Iterable<GeneratedDump>): string[] {
  return [...dumps].map((dump) => Buffer.from(dump.bytes).toString('base64'));
}

function historyByDevice(plan: FleetPlan): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const dump of generateFleetHistory(plan)) {
    const stored = out.get(dump.deviceId) ?? new Map<string, string>();
    for (const [identity, bytes] of records(dump)) stored.set(identity, bytes);
    out.set(dump.deviceId, stored);
  }
  return out;
}

/**
 * Checks every upload's newEvents against the records of the device's history and earlier uploads
 * (decoded). Returns how many uploads it checked and how many of their new records are more than
 * a day older than the device's previous upload.
 */
function checkNewEvents(options: FleetOptions): { uploads: number; late: number } {
  const plan = planFleet(options);
  const sent = historyByDevice(plan);
  let uploads = 0;
  let late = 0;
  for (const upload of generateFleetUploads(plan)) {
    uploads++;
    const before = sent.get(upload.deviceId)!;
    const fresh = [...records(upload)].filter(([identity]) => !before.has(identity));
    expect(upload.newEvents).toBe(fresh.length);
    const timestamp = (identity: string) => Number(identity.split('/')[0]);
    late += fresh.filter(([identity]) => timestamp(identity) < upload.previousUploadAt - MS_PER_DAY).length;
    for (const [identity, bytes] of fresh) before.set(identity, bytes);
  }
  return { uploads, late };
}

describe('planFleet', () => {
  it('is deterministic per seed: the same plan and bytes for the same seed, others for another', () => {
    const options: FleetOptions = { ...small, periodDays: 2 };
    const a = planFleet(options);
    expect(planFleet(options)).toEqual(a);
    const b = planFleet(options);
    expect(bytesOf(generateFleetHistory(b))).toEqual(bytesOf(generateFleetHistory(a)));
    expect(bytesOf(generateFleetUploads(b))).toEqual(bytesOf(generateFleetUploads(a)));

    const other = planFleet({ ...options, seed: 2 });
    expect(other.devices.map((d) => d.deviceId)).not.toEqual(a.devices.map((d) => d.deviceId));
    expect(other.devices.map((d) => [d.historyDays, d.historyCreatedAt])).not.toEqual(
      a.devices.map((d) => [d.historyDays, d.historyCreatedAt]),
    );
  });

  it('draws each history length from the range and covers it with contiguous dumps of at most 365 days', () => {
    const plan = planFleet({ devices: 300, historyDays: [45, 800] });
    for (const device of plan.devices) {
      expect(device.historyDays).toBeGreaterThanOrEqual(45);
      expect(device.historyDays).toBeLessThanOrEqual(800);
      expect(device.historyCreatedAt).toBeLessThan(plan.periodStart);
      const [first, ...rest] = device.history;
      expect(first!.firstDay).toBe(device.firstDay);
      expect(device.history.at(-1)!.lastDay).toBe(Math.floor(device.historyCreatedAt / MS_PER_DAY));
      rest.forEach((dump, i) => expect(dump.firstDay).toBe(device.history[i]!.lastDay + 1));
      for (const dump of device.history) {
        expect(dump.coverageDays).toBeLessThanOrEqual(365);
        expect(dump.coverageDays).toBe(dump.lastDay - dump.firstDay + 1);
        expect(dump.createdAt).toBe(device.historyCreatedAt);
      }
      expect(device.history.reduce((days, dump) => days + dump.coverageDays, 0)).toBe(device.historyDays);
    }
    const lengths = plan.devices.map((d) => d.historyDays);
    // Uniform over 756 values: 300 draws reach within 30 days of either end.
    expect(Math.min(...lengths)).toBeLessThan(75);
    expect(Math.max(...lengths)).toBeGreaterThan(770);
    expect(plan.history.filter((dump) => dump.coverageDays === 365).length).toBeGreaterThan(0);
  });

  it('honours the cadences: daily devices upload once in every day of the period, spread ones every 2-7 days', () => {
    const plan = planFleet({ devices: 400, periodDays: 14 });
    expect(plan.periodEnd).toBe(DEFAULT_NOW);
    expect(plan.periodStart).toBe(DEFAULT_NOW - 14 * MS_PER_DAY);
    const spread = plan.devices.filter((d) => d.cadenceDays !== 1);
    // 400 draws of a 20% share: about 80 devices, standard deviation 8.
    expect(spread.length).toBeGreaterThan(56);
    expect(spread.length).toBeLessThan(104);
    expect(new Set(spread.map((d) => d.cadenceDays))).toEqual(new Set([2, 3, 4, 5, 6, 7]));
    for (const device of plan.devices) {
      const step = device.cadenceDays * MS_PER_DAY;
      const times = device.uploads.map((u) => u.createdAt);
      expect(times[0]! - step).toBe(device.historyCreatedAt);
      expect(times[0]! - step).toBeLessThan(plan.periodStart);
      times.forEach((t, i) => i > 0 && expect(t - times[i - 1]!).toBe(step));
      expect(times.at(-1)! + step).toBeGreaterThanOrEqual(plan.periodEnd);
      device.uploads.forEach((u) => expect(u.previousUploadAt).toBe(u.createdAt - step));
      if (device.cadenceDays === 1) {
        for (let day = 0; day < 14; day++) {
          const from = plan.periodStart + day * MS_PER_DAY;
          expect(times.filter((t) => t >= from && t < from + MS_PER_DAY)).toHaveLength(1);
        }
      }
    }
    const hours = new Set(plan.uploads.map((u) => Math.floor((u.createdAt % MS_PER_DAY) / HOUR)));
    expect([...hours].every((h) => h >= 6 && h < 20)).toBe(true);
    expect(hours.size).toBe(14);
    // Spread devices start on their own days rather than all on the first day of the period.
    const firstUploadDays = new Set(
      spread.map((d) => Math.floor((d.uploads[0]!.createdAt - plan.periodStart) / MS_PER_DAY)),
    );
    expect(firstUploadDays.size).toBe(7);
  });

  it('takes every upload in the period in time order, cadence and spread configurable', () => {
    const plan = planFleet({
      devices: 50,
      periodDays: 3,
      cadenceDays: 2,
      spread: 1,
      spreadCadenceDays: [3, 3],
    });
    expect(plan.devices.every((d) => d.cadenceDays === 3)).toBe(true);
    expect(plan.uploads).toHaveLength(50);
    plan.uploads.forEach((u, i) => {
      expect(u.createdAt).toBeGreaterThanOrEqual(plan.periodStart);
      expect(u.createdAt).toBeLessThan(plan.periodEnd);
      if (i > 0) expect(u.createdAt).toBeGreaterThanOrEqual(plan.uploads[i - 1]!.createdAt);
    });
    expect(
      planFleet({ devices: 20, spread: 0, cadenceDays: 2 }).devices.every((d) => d.cadenceDays === 2),
    ).toBe(true);
  });

  it('draws the windows from the mix: 7, 90 or 365 days ending at the upload, clipped to the first day', () => {
    const plan = planFleet({ devices: 300, periodDays: 7, historyDays: [45, 120] });
    const shares = { week: 0, quarter: 0, year: 0 };
    for (const upload of plan.uploads) {
      shares[upload.kind] += 1 / plan.uploads.length;
      const device = plan.devices[upload.deviceIndex]!;
      expect(upload.windowDays).toBe(WINDOW_DAYS[upload.kind]);
      expect(upload.lastDay).toBe(Math.floor(upload.createdAt / MS_PER_DAY));
      expect(upload.firstDay).toBe(Math.max(device.firstDay, upload.lastDay - upload.windowDays + 1));
      expect(upload.coverageDays).toBe(upload.lastDay - upload.firstDay + 1);
      expect(upload.fileName).toBe(`${upload.deviceId}-${upload.upload}.dump`);
    }
    // About 2,000 uploads: each share's standard deviation is at most 1.1 points.
    expect(shares.week).toBeCloseTo(0.7, 1);
    expect(shares.quarter).toBeCloseTo(0.2, 1);
    expect(shares.year).toBeCloseTo(0.1, 1);
    expect(plan.uploads.some((u) => u.kind === 'year' && u.coverageDays < 365)).toBe(true);
    expect(planFleet({ devices: 20, mix: [0, 0, 1] }).uploads.every((u) => u.kind === 'year')).toBe(true);
  });

  it('keeps the uploads of a shorter period when the period grows', () => {
    const oneDay = planFleet({ devices: 30 }).uploads;
    const longer = planFleet({ devices: 30, periodDays: 5, now: DEFAULT_NOW + 4 * MS_PER_DAY });
    const firstDay = longer.uploads.filter((u) => u.createdAt < DEFAULT_NOW);
    expect(firstDay.map((u) => [u.deviceId, u.createdAt, u.kind, u.firstDay])).toEqual(
      oneDay.map((u) => [u.deviceId, u.createdAt, u.kind, u.firstDay]),
    );
  });

  it('averages the days since the previous upload at 1 / mean(1 / cadence) with the defaults', () => {
    // 80% daily, 20% every 2-7 days: uploads weigh devices by 1 / cadence, so an upload follows the
    // previous one by 1 / (0.8 + 0.2 * mean(1/2 .. 1/7)) = 1.172 days, not the devices' mean of 1.7.
    const expected = 1 / (0.8 + (0.2 * (1 / 2 + 1 / 3 + 1 / 4 + 1 / 5 + 1 / 6 + 1 / 7)) / 6);
    const plan = planFleet({ devices: 20_000 });
    const gaps = plan.uploads.map((u) => (u.createdAt - u.previousUploadAt) / MS_PER_DAY);
    const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    // About 17,000 uploads: the realised share of spread devices and their cadences move this by
    // ~0.3% (seeds 1-8 give 0.9965 to 1.0059).
    expect(mean / expected).toBeGreaterThan(0.98);
    expect(mean / expected).toBeLessThan(1.02);
  });
});

describe('generateFleetUploads', () => {
  it(
    're-sends the history byte-for-byte on shared days',
    () => {
      const plan = planFleet({ ...small, periodDays: 2 });
      const history = historyByDevice(plan);
      let shared = 0;
      for (const upload of generateFleetUploads(plan)) {
        const stored = history.get(upload.deviceId)!;
        const sent = records(upload);
        const overlap = [...sent].filter(([identity]) => stored.has(identity));
        for (const [identity, bytes] of overlap) expect(bytes).toBe(stored.get(identity));
        if (upload.upload === 1) expect(overlap).toHaveLength(upload.events - upload.newEvents);
        shared += overlap.length;
      }
      expect(shared).toBeGreaterThan(1000);
    },
    DECODING_TIMEOUT,
  );

  it(
    'counts new events exactly: the records in neither the history nor an earlier upload',
    () => {
      expect(checkNewEvents(small).uploads).toBeGreaterThan(20);
    },
    DECODING_TIMEOUT,
  );

  it(
    'counts new events exactly where a week-long upload every 7 days leaves part of a day unsent',
    () => {
      // The upload 7 days after the previous one re-sends the 7 days after that one's day, so that
      // day's evening stays unsent until a year-long upload reaches it: new, yet older than the
      // uploader's previous upload.
      const weekly = { devices: 3, eventsPerDay: 30, spread: 1, periodDays: 43, mix: [2, 0, 1] } as const;
      expect(checkNewEvents({ ...weekly, spreadCadenceDays: [7, 7] }).late).toBeGreaterThan(0);
    },
    DECODING_TIMEOUT,
  );

  it('holds what the metadata says', () => {
    const plan = planFleet({ ...small, periodDays: 2 });
    for (const upload of generateFleetUploads(plan)) {
      const decoded = decodeDump(upload.bytes);
      expect(decoded.events.length).toBe(upload.events);
      expect(decoded.header.createdAt).toBe(upload.createdAt);
      expect(decoded.header.deviceId).toBe(upload.deviceId);
      expect(decoded.header.patientId).toBe(upload.patientId);
      expect(decoded.days[0]!.dayNumber).toBeGreaterThanOrEqual(upload.firstDay);
      expect(decoded.days.at(-1)!.dayNumber).toBeLessThanOrEqual(upload.lastDay);
      expect(upload.newEvents).toBeLessThanOrEqual(upload.events);
    }
  });
});

describe('countNewEvents', () => {
  it('gives about eventsPerDay new events per day since the previous upload with the defaults', () => {
    // Defaults but 300 events per day: the ratio does not depend on it and the test runs 10x faster.
    const plan = planFleet({ devices: 400, eventsPerDay: 300 });
    const { eventsPerDay } = plan.options;
    const mean = (xs: number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
    const newEvents = mean(plan.uploads.map((upload) => countNewEvents(plan, upload)));
    const daysSince = mean(plan.uploads.map((u) => (u.createdAt - u.previousUploadAt) / MS_PER_DAY));
    // Each upload adds what the device recorded since its previous upload: about 1.15 nights here,
    // each with therapy at the device's adherence (0.8-0.98) and eventsPerDay / adherence events
    // then. That makes the mean's standard deviation about 2% over these ~340 uploads (seeds 1-10
    // give 0.978 to 1.016); 6% is 3 of them.
    expect(newEvents / (eventsPerDay * daysSince)).toBeGreaterThan(0.94);
    expect(newEvents / (eventsPerDay * daysSince)).toBeLessThan(1.06);
  });
});

describe('summarizeFleet', () => {
  it('totals and averages the uploads by kind', () => {
    const plan = planFleet({ ...small, periodDays: 3 });
    const dumps = [...generateFleetUploads(plan)];
    const summary = summarizeFleet(dumps);
    expect(summary.uploads).toBe(plan.uploads.length);
    expect(summary.uploadsByKind.week + summary.uploadsByKind.quarter + summary.uploadsByKind.year).toBe(
      dumps.length,
    );
    expect(summary.uploadsByKind.year).toBe(dumps.filter((d) => d.kind === 'year').length);
    expect(summary.records).toBe(dumps.reduce((sum, d) => sum + decodeDump(d.bytes).events.length, 0));
    expect(summary.meanRecordsPerUpload).toBeCloseTo(summary.records / dumps.length, 9);
    expect(summary.meanNewEventsPerUpload).toBeCloseTo(summary.newEvents / dumps.length, 9);
  });

  it('reports means of 0, not NaN, without uploads', () => {
    expect(summarizeFleet([])).toEqual({
      uploads: 0,
      uploadsByKind: { week: 0, quarter: 0, year: 0 },
      records: 0,
      newEvents: 0,
      meanRecordsPerUpload: 0,
      meanNewEventsPerUpload: 0,
      meanDaysSincePreviousUpload: 0,
    });
  });
});

describe('resolveFleetOptions / parseDayRange / parseShare', () => {
  it('fills in the documented defaults', () => {
    expect(resolveFleetOptions()).toEqual({
      devices: 10,
      firstDevice: 0,
      eventsPerDay: 3000,
      seed: 1,
      mix: [70, 20, 10],
      now: Date.UTC(2025, 5, 1, 12),
      historyDays: [45, 400],
      cadenceDays: 1,
      spread: 0.2,
      spreadCadenceDays: [2, 7],
      periodDays: 1,
    });
  });

  it('rejects out-of-range options with a message naming the option and its limits', () => {
    expect(() => resolveFleetOptions({ historyDays: [400, 45] })).toThrow(
      /historyDays must be two whole numbers of days from 1 to 3650, the first no larger than the second/,
    );
    expect(() => resolveFleetOptions({ historyDays: [0, 10] })).toThrow(/historyDays/);
    expect(() => resolveFleetOptions({ cadenceDays: 8 })).toThrow(
      /cadenceDays must be a whole number of days from 1 to 7/,
    );
    expect(() => resolveFleetOptions({ spreadCadenceDays: [2, 14] })).toThrow(/spreadCadenceDays/);
    expect(() => resolveFleetOptions({ spread: 1.5 })).toThrow(/spread .* must be from 0 to 1/);
    expect(() => resolveFleetOptions({ periodDays: 0 })).toThrow(/periodDays/);
    expect(() => resolveFleetOptions({ devices: 0 })).toThrow(/devices must be a whole number from 1/);
    expect(() => resolveFleetOptions({ mix: [0, 0, 0] })).toThrow(GeneratorOptionsError);
  });

  it('parses day ranges and shares from the command line', () => {
    expect(parseDayRange('--history-days', '45-400')).toEqual([45, 400]);
    expect(parseDayRange('--history-days', ' 7 ')).toEqual([7, 7]);
    expect(() => parseDayRange('--history-days', '45..400')).toThrow(
      '--history-days takes a number of days or a range min-max, e.g. 45-400 or 7; got "45..400"',
    );
    expect(parseShare('--spread', '0.25')).toBe(0.25);
    expect(() => parseShare('--spread', '')).toThrow(GeneratorOptionsError);
    expect(() => parseShare('--spread', '120%')).toThrow(/--spread takes a share of devices from 0 to 1/);
  });
});
