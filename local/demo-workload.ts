import { DEFAULT_NOW, generateDumps, generateSingleDump } from '../generator';
import type { LocalDump } from './pipeline';

export interface DemoWorkloadOptions {
  /** @default 1 */
  readonly seed?: number;
  /** The generator's clock (and the run's processing time). @default DEFAULT_NOW */
  readonly now?: number;
  /** @default 800 */
  readonly eventsPerDay?: number;
}

/**
 * `npm start`'s workload, sized to finish in about a minute on two cores: four devices with three
 * overlapping weekly uploads each, a 90-day upload of the first device (overlapping all of its
 * weeks), and a copy of one weekly dump with a flipped record byte, which must be rejected whole
 * (E_BODY_CRC) while its intact twin is stored. Uploaded together, so dumps of one device race.
 */
export function demoWorkload(options: DemoWorkloadOptions = {}): LocalDump[] {
  const common = {
    seed: options.seed ?? 1,
    now: options.now ?? DEFAULT_NOW,
    eventsPerDay: options.eventsPerDay ?? 800,
  };
  const dumps: LocalDump[] = [...generateDumps({ ...common, devices: 4, uploadsPerDevice: 3, days: 7 })].map(
    (dump) => ({ name: dump.fileName, bytes: dump.bytes }),
  );

  const quarter = generateSingleDump({ ...common, days: 90, firstDevice: 0 });
  dumps.push({ name: `${quarter.deviceId}-90d.dump`, bytes: quarter.bytes });

  const victim = dumps[1]!;
  const corrupt = Uint8Array.from(victim.bytes);
  // The middle of the record area: the header CRC still holds, the body CRC no longer does.
  const body = Math.floor((64 + corrupt.length - 8) / 2);
  corrupt[body] = corrupt[body]! ^ 0x40;
  dumps.push({ name: victim.name.replace(/\.dump$/, '-corrupt.dump'), bytes: corrupt });
  return dumps;
}
