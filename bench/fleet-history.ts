/**
 * The part of a fleet's stored history that its measured uploads can see, as dumps to load
 * before the measurement. Every read either path makes is by day (the project's summary Query
 * over an upload's days and its page reads of those days; the source design's Queries of every
 * day of the upload and of the 45 days before it), so history days outside that range change no
 * figure of the stream; leaving them out makes the (unmeasured) load shorter.
 */
import { kindOf, type FleetPlan, type UploadPlan } from '../generator';

const MS_PER_DAY = 86_400_000;
/** The most days one history dump covers (as generator/fleet.ts splits histories). */
const MAX_DUMP_DAYS = 365;

/** First and last history day of each device that its uploads in the period read. */
export function visibleHistoryDays(
  plan: FleetPlan,
  windowDays = 45,
): Array<{ deviceIndex: number; firstDay: number; lastDay: number }> {
  const ranges: Array<{ deviceIndex: number; firstDay: number; lastDay: number }> = [];
  for (const device of plan.devices) {
    if (device.uploads.length === 0) continue;
    const lastDay = Math.floor(device.historyCreatedAt / MS_PER_DAY);
    let from = lastDay;
    for (const upload of device.uploads) {
      const windowStart = Math.floor(upload.createdAt / MS_PER_DAY) - windowDays + 1;
      from = Math.min(from, upload.firstDay, windowStart);
    }
    ranges.push({ deviceIndex: device.deviceIndex, firstDay: Math.max(device.firstDay, from), lastDay });
  }
  return ranges;
}

/**
 * History dumps (at most 365 days each, taken when the device's history ends, as the generator
 * takes them) covering exactly the visible history days. Built with buildDump they hold the same
 * records on those days as the full history would.
 */
export function visibleHistory(plan: FleetPlan, windowDays = 45): UploadPlan[] {
  const dumps: UploadPlan[] = [];
  for (const range of visibleHistoryDays(plan, windowDays)) {
    const device = plan.devices.find((d) => d.deviceIndex === range.deviceIndex)!;
    const parts: Array<{ firstDay: number; lastDay: number }> = [];
    for (let end = range.lastDay; end >= range.firstDay; end -= MAX_DUMP_DAYS) {
      parts.unshift({ firstDay: Math.max(range.firstDay, end - MAX_DUMP_DAYS + 1), lastDay: end });
    }
    parts.forEach((part, i) => {
      const coverageDays = part.lastDay - part.firstDay + 1;
      dumps.push({
        deviceIndex: device.deviceIndex,
        deviceId: device.deviceId,
        patientId: device.patientId,
        upload: i + 1,
        kind: kindOf(coverageDays),
        coverageDays,
        ...part,
        createdAt: device.historyCreatedAt,
        fileName: `${device.deviceId}-v${i + 1}.dump`,
      });
    });
  }
  return dumps;
}
