/**
 * The part of a fleet's stored history that its measured uploads can see, as dumps to load
 * before the measurement. Every read either path makes is by day (the project's summary Query
 * over an upload's days and its page reads of those days; the source design's Queries of every
 * day of the upload and of the 45 days before it), so history days outside that range change no
 * figure of the stream; leaving them out makes the (unmeasured) load shorter.
 */
import { historyDumpsOf, type FleetPlan, type UploadPlan } from '../generator';

const MS_PER_DAY = 86_400_000;

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
    dumps.push(...historyDumpsOf(device, range.firstDay, range.lastDay, 'v'));
  }
  return dumps;
}
