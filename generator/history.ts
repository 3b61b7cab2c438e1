import { kindOf, type UploadPlan } from './plan';

/** The most days one dump covers: longer histories are split. */
const MAX_DUMP_DAYS = 365;

/**
 * Days firstDay..lastDay of a device's history as dumps of at most a year each, split from the
 * latest day back, numbered oldest first, all taken at historyCreatedAt. `tag` marks the file
 * names (`h` for the stored history, others for partial loads of it).
 */
export function historyDumpsOf(
  device: {
    readonly deviceIndex: number;
    readonly deviceId: string;
    readonly patientId: string;
    readonly historyCreatedAt: number;
  },
  firstDay: number,
  lastDay: number,
  tag = 'h',
): UploadPlan[] {
  const parts: Array<{ firstDay: number; lastDay: number }> = [];
  for (let end = lastDay; end >= firstDay; end -= MAX_DUMP_DAYS) {
    parts.unshift({ firstDay: Math.max(firstDay, end - MAX_DUMP_DAYS + 1), lastDay: end });
  }
  return parts.map((part, i) => {
    const coverageDays = part.lastDay - part.firstDay + 1;
    return {
      deviceIndex: device.deviceIndex,
      deviceId: device.deviceId,
      patientId: device.patientId,
      upload: i + 1,
      kind: kindOf(coverageDays),
      coverageDays,
      ...part,
      createdAt: device.historyCreatedAt,
      fileName: `${device.deviceId}-${tag}${i + 1}.dump`,
    };
  });
}
