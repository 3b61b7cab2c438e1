import { hashInts, Random } from './prng';
import type { ResolvedOptions } from './options';

const MS_PER_DAY = 86_400_000;
const HOUR = 3_600_000;

export type UploadKind = 'week' | 'quarter' | 'year';

/** One upload of one device: which days it covers and when it was taken. No event data yet. */
export interface UploadPlan {
  readonly deviceIndex: number;
  readonly deviceId: string;
  readonly patientId: string;
  /** 1-based, in time order within the device. */
  readonly upload: number;
  readonly kind: UploadKind;
  /** Days covered, first and last included (the mix's choice, capped by `days`). */
  readonly coverageDays: number;
  /** UTC day numbers; the last day is partial: it ends at createdAt. */
  readonly firstDay: number;
  readonly lastDay: number;
  /** When the device wrote the dump (ms); only events complete by then are in it. */
  readonly createdAt: number;
  /** `<deviceId>-<upload>.dump` */
  readonly fileName: string;
}

/** The mix bucket a coverage falls in: a week, up to a quarter (90 days), up to a year. */
export function kindOf(coverageDays: number): UploadKind {
  return coverageDays <= 7 ? 'week' : coverageDays <= 90 ? 'quarter' : 'year';
}

/** Four base-36 characters derived from the seed, so different seeds never share device ids. */
function seedTag(seed: number): string {
  return (hashInts(seed, 0x7a6) % 1_679_616).toString(36).padStart(4, '0');
}

export function deviceIds(seed: number, deviceIndex: number): { deviceId: string; patientId: string } {
  const suffix = `${seedTag(seed)}-${String(deviceIndex).padStart(6, '0')}`;
  return { deviceId: `D${suffix}`, patientId: `P${suffix}` };
}

function pickCoverage(random: Random, options: ResolvedOptions): { kind: UploadKind; coverageDays: number } {
  const [week, quarter, year] = options.mix;
  const r = random.next() * (week + quarter + year);
  let kind: UploadKind;
  let days: number;
  if (r < week) {
    kind = 'week';
    days = 7;
  } else if (r < week + quarter) {
    kind = 'quarter';
    days = random.int(8, 90);
  } else {
    kind = 'year';
    days = random.int(91, 365);
  }
  return { kind, coverageDays: Math.min(days, options.days) };
}

/**
 * A device's uploads, planned backwards from "now": the latest is taken up to 6 h before now; each
 * earlier one ends 1 to (next coverage - 1) days before the next, so every upload re-sends the
 * earlier upload's last (partial) day and more — the duplicates the pipeline must absorb.
 */
export function planDevice(options: ResolvedOptions, deviceIndex: number): UploadPlan[] {
  const random = new Random(hashInts(options.seed, deviceIndex, 0x91a4));
  const ids = deviceIds(options.seed, deviceIndex);
  const count = options.uploadsPerDevice;
  const plans: UploadPlan[] = [];
  let createdAt = options.now - random.int(0, 6 * HOUR);
  for (let upload = count; upload >= 1; upload--) {
    const { kind, coverageDays } = pickCoverage(random, options);
    const lastDay = Math.floor(createdAt / MS_PER_DAY);
    plans.push({
      deviceIndex,
      ...ids,
      upload,
      kind,
      coverageDays,
      firstDay: lastDay - coverageDays + 1,
      lastDay,
      createdAt,
      fileName: `${ids.deviceId}-${upload}.dump`,
    });
    const gapDays = random.int(1, Math.max(1, coverageDays - 1));
    // Devices upload in the daytime (06:00-20:00 UTC), often while last night's data is still being written.
    createdAt = (lastDay - gapDays) * MS_PER_DAY + random.int(6 * HOUR, 20 * HOUR);
  }
  return plans.reverse();
}

/** Every upload of every device, oldest first (ties by device). */
export function planUploads(options: ResolvedOptions): UploadPlan[] {
  const plans: UploadPlan[] = [];
  for (let d = 0; d < options.devices; d++) plans.push(...planDevice(options, options.firstDevice + d));
  return plans.sort((a, b) => a.createdAt - b.createdAt || a.deviceIndex - b.deviceIndex);
}
