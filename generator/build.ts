import { DumpWriter } from '../lambdas/core/dump/encode';
import type { ResolvedOptions } from './options';
import type { UploadPlan } from './plan';
import { deviceProfile, nightEvents } from './therapy';

const MS_PER_DAY = 86_400_000;

export interface GeneratedDump extends UploadPlan {
  /** Records in the dump. */
  readonly events: number;
  readonly bytes: Uint8Array;
}

/** Firmware of every synthetic device: 1.4.2 as major << 16 | minor << 8 | patch. */
const FIRMWARE = 0x010402;

/**
 * The dump for one planned upload: every event of the device whose UTC day is within
 * [firstDay, lastDay] and that the device had finished writing by createdAt, in time order.
 * A night's session starts in the evening and runs past midnight, so the night before firstDay
 * contributes its after-midnight events.
 */
export function buildDump(plan: UploadPlan, options: ResolvedOptions): GeneratedDump {
  const profile = deviceProfile(options.seed, plan.deviceIndex);
  const writer = new DumpWriter(
    { deviceId: plan.deviceId, patientId: plan.patientId, createdAt: plan.createdAt, firmware: FIRMWARE },
    Math.max(1, (plan.lastDay - plan.firstDay + 1) * Math.ceil(options.eventsPerDay * 1.4)),
  );
  const from = plan.firstDay * MS_PER_DAY;
  const until = (plan.lastDay + 1) * MS_PER_DAY;
  for (let night = plan.firstDay - 1; night <= plan.lastDay; night++) {
    const ev = nightEvents(options.seed, plan.deviceIndex, night, options.eventsPerDay, profile);
    for (let k = 0; k < ev.length; k++) {
      const ts = ev.timestamp[k]!;
      if (ts < from || ts >= until || ev.completeAt[k]! > plan.createdAt) continue;
      writer.add(ts, ev.seq[k]!, ev.type[k]!, ev.flags[k]!, ev.value[k]!, ev.duration[k]!);
    }
  }
  return { ...plan, events: writer.recordCount, bytes: writer.finish() };
}
