import type { DumpEvent } from '../../../lambdas/core/dump/types';
import { MS_PER_DAY } from '../../factories/events';

/**
 * The spec's duplicate rules, applied one record at a time to a plain Map, with no shortcut,
 * digest or chunking: the reference the storage core must agree with.
 */
export class StoreOracle {
  readonly stored = new Map<string, DumpEvent>();

  constructor(private readonly now: number) {}

  static identity(patientId: string, deviceId: string, e: DumpEvent): string {
    return `${patientId}|${deviceId}|${e.timestamp}|${e.seq}|${e.type}`;
  }

  private static sameContent(a: DumpEvent, b: DumpEvent): boolean {
    return a.flags === b.flags && Object.is(a.value, b.value) && a.duration === b.duration;
  }

  /** Processes one dump's valid records in file order; returns its counts. */
  ingest(patientId: string, deviceId: string, events: readonly DumpEvent[]) {
    const nowDay = Math.floor(this.now / MS_PER_DAY);
    let expired = 0;
    let stored = 0;
    let duplicates = 0;
    let conflicts = 0;
    for (const e of events) {
      if (Math.floor(e.timestamp / MS_PER_DAY) < nowDay - 400) {
        expired++;
        continue;
      }
      const key = StoreOracle.identity(patientId, deviceId, e);
      const existing = this.stored.get(key);
      if (existing) {
        duplicates++;
        if (!StoreOracle.sameContent(existing, e)) conflicts++;
      } else {
        this.stored.set(key, e);
        stored++;
      }
    }
    return { expired, stored, duplicates, conflicts };
  }
}
