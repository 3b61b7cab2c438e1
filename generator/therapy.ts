import { EventType } from '../lambdas/core/dump/types';
import { hashInts, Random } from './prng';

/**
 * One device's synthetic therapy data, night by night. A night's events are a fixed function of
 * (seed, device, night, eventsPerDay): overlapping uploads regenerate them and get byte-identical
 * records, which is what makes re-uploaded days true duplicates for the pipeline's dedupe.
 */

const MS_PER_DAY = 86_400_000;
const HOUR = 3_600_000;
/** Every event of night n lies after n 18:00 UTC; offsets from there stay below 2^26 ms. */
const NIGHT_ORIGIN = 18 * HOUR;
/** Sort keys pack (offset, index) as offset * 2^20 + index, so a night holds < 2^20 events. */
const INDEX_BITS = 1_048_576;
/** Consecutive nights get disjoint seq ranges of this size (the counter wraps at 2^32 like a device's). */
const SEQ_STRIDE = 262_144;
export const MAX_EVENTS_PER_DAY = 200_000;

/** The traits that make one device's nights look alike. */
export interface DeviceProfile {
  /** Prescribed pressure, cmH2O. */
  readonly pressure: number;
  /** Apnea-hypopnea events per hour of therapy. */
  readonly ahi: number;
  readonly leak: number;
  readonly spo2: number;
  readonly humidifier: number;
  /** Share of nights with a therapy session. */
  readonly adherence: number;
  readonly seqOffset: number;
}

export function deviceProfile(seed: number, deviceIndex: number): DeviceProfile {
  const random = new Random(hashInts(seed, deviceIndex, 0x50f11e));
  return {
    pressure: Math.round(random.between(6, 14) * 10) / 10,
    ahi: random.between(1, 20),
    leak: random.between(4, 20),
    spo2: random.between(93, 97),
    humidifier: random.int(1, 5),
    adherence: random.between(0.8, 0.98),
    seqOffset: random.int(0, 0xffffffff),
  };
}

/** A night's events in time order, as columns. `completeAt` is when the device has finished writing the event. */
export interface NightEvents {
  readonly length: number;
  readonly timestamp: Float64Array;
  readonly completeAt: Float64Array;
  readonly seq: Uint32Array;
  readonly type: Uint16Array;
  readonly flags: Uint16Array;
  readonly value: Float64Array;
  readonly duration: Uint32Array;
}

/** Collects events unordered; `finish` sorts them by time and numbers them. */
class NightBuilder {
  private readonly ts: number[] = [];
  private readonly types: number[] = [];
  private readonly values: number[] = [];
  private readonly durations: number[] = [];
  private readonly flagBits: number[] = [];

  constructor(private readonly origin: number) {}

  add(timestamp: number, type: number, value: number, duration = 0, flags = 0): void {
    this.ts.push(timestamp);
    this.types.push(type);
    this.values.push(value);
    this.durations.push(duration);
    this.flagBits.push(flags);
  }

  finish(seqBase: number): NightEvents {
    const n = this.ts.length;
    // Sorting packed numeric keys natively is far cheaper than sorting objects; ties keep insertion order.
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (this.ts[i]! - this.origin) * INDEX_BITS + i;
    keys.sort();
    const out = {
      length: n,
      timestamp: new Float64Array(n),
      completeAt: new Float64Array(n),
      seq: new Uint32Array(n),
      type: new Uint16Array(n),
      flags: new Uint16Array(n),
      value: new Float64Array(n),
      duration: new Uint32Array(n),
    };
    for (let k = 0; k < n; k++) {
      const key = keys[k]!;
      const i = key - Math.floor(key / INDEX_BITS) * INDEX_BITS;
      const type = this.types[i]!;
      const duration = this.durations[i]!;
      out.timestamp[k] = this.ts[i]!;
      // Sessions and breathing events are written when they end; samples when they are taken.
      out.completeAt[k] =
        type === EventType.THERAPY_SESSION || type === EventType.APNEA || type === EventType.HYPOPNEA
          ? this.ts[i]! + duration * 1000
          : this.ts[i]!;
      out.seq[k] = (seqBase + k) >>> 0; // mod 2^32: the device counter wraps
      out.type[k] = type;
      out.flags[k] = this.flagBits[i]!;
      out.value[k] = this.values[i]!;
      out.duration[k] = duration;
    }
    return out;
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const clamp = (x: number, min: number, max: number) => Math.min(max, Math.max(min, x));

/**
 * The events of night `night` (a UTC day number): on most nights one THERAPY_SESSION starting
 * between 20:00 and 02:00 UTC and lasting 3-8 h, framed by POWER_ON/POWER_OFF, with a HUMIDIFIER
 * setting, APNEA/HYPOPNEA events at the device's AHI, occasional ALARMs, and PRESSURE, SPO2 and
 * LEAK samples spread over the session, so that days average about `eventsPerDay` events.
 */
export function nightEvents(
  seed: number,
  deviceIndex: number,
  night: number,
  eventsPerDay: number,
  profile: DeviceProfile = deviceProfile(seed, deviceIndex),
): NightEvents {
  const random = new Random(hashInts(seed, deviceIndex, night));
  const midnight = night * MS_PER_DAY;
  const night0 = new NightBuilder(midnight + NIGHT_ORIGIN);
  const seqBase = profile.seqOffset + night * SEQ_STRIDE;

  if (!random.chance(profile.adherence)) {
    // No therapy tonight; sometimes the device is switched on and off anyway.
    if (random.chance(0.3)) {
      const on = midnight + 20 * HOUR + random.int(0, 3 * HOUR);
      night0.add(on, EventType.POWER_ON, 0);
      night0.add(on + random.int(60_000, 30 * 60_000), EventType.POWER_OFF, 0);
    }
    return night0.finish(seqBase);
  }

  const start = midnight + 20 * HOUR + random.int(0, 6 * HOUR);
  const seconds = Math.round(clamp(random.normal(6.3 * 3600, 1.1 * 3600), 3 * 3600, 8 * 3600));
  const end = start + seconds * 1000;
  const hours = seconds / 3600;

  night0.add(start - random.int(20_000, 600_000), EventType.POWER_ON, 0);
  night0.add(end + random.int(5_000, 600_000), EventType.POWER_OFF, 0);
  night0.add(start + random.int(0, 60_000), EventType.HUMIDIFIER, profile.humidifier);
  if (random.chance(0.2)) {
    night0.add(
      start + random.int(HOUR, seconds * 1000 - 60_000),
      EventType.HUMIDIFIER,
      clamp(profile.humidifier + (random.chance(0.5) ? 1 : -1), 0, 8),
    );
  }

  const breathing = Math.max(
    0,
    Math.round(random.normal(profile.ahi * hours, Math.sqrt(profile.ahi * hours))),
  );
  for (let i = 0; i < breathing; i++) {
    const apnea = random.chance(0.4);
    const length = apnea ? random.int(10, 60) : random.int(10, 45);
    const at = start + random.int(0, seconds * 1000 - length * 1000);
    night0.add(at, apnea ? EventType.APNEA : EventType.HYPOPNEA, 0, length);
  }

  if (random.chance(0.06)) {
    const alarms = random.int(1, 2);
    for (let i = 0; i < alarms; i++)
      night0.add(start + random.int(0, seconds * 1000), EventType.ALARM, random.int(1, 12));
  }

  const fixed = 4 + breathing;
  // Therapy nights carry eventsPerDay / adherence so that the average over all days is eventsPerDay.
  const target = (eventsPerDay / profile.adherence) * random.between(0.95, 1.05);
  const samples = Math.max(0, Math.round(target) - fixed);
  const pressureCount = Math.round(samples * 0.4);
  const spo2Count = Math.round(samples * 0.3);
  const leakCount = samples - pressureCount - spo2Count;
  const spacing = (count: number) => (seconds * 1000) / Math.max(count, 1);
  const artifact = () => (random.chance(0.005) ? 1 : 0);

  let pressureSum = 0;
  const pStep = spacing(pressureCount);
  for (let k = 0; k < pressureCount; k++) {
    const wave = 1.2 * Math.sin((6 * Math.PI * k) / pressureCount);
    const value = round1(clamp(profile.pressure + wave + random.normal(0, 0.3), 4, 20));
    pressureSum += value;
    night0.add(start + Math.floor((k + 0.5) * pStep), EventType.PRESSURE, value, 0, artifact());
  }
  const sStep = spacing(spo2Count);
  for (let k = 0; k < spo2Count; k++) {
    const value = Math.round(clamp(random.normal(profile.spo2, 1), 85, 100));
    night0.add(start + Math.floor((k + 0.5) * sStep), EventType.SPO2, value, 0, artifact());
  }
  const lStep = spacing(leakCount);
  for (let k = 0; k < leakCount; k++) {
    const spike = random.chance(0.01) ? random.between(15, 40) : 0;
    const value = round1(clamp(random.normal(profile.leak, 3) + spike, 0, 80));
    night0.add(start + Math.floor((k + 0.5) * lStep), EventType.LEAK, value, 0, artifact());
  }

  const meanPressure = pressureCount > 0 ? round1(pressureSum / pressureCount) : profile.pressure;
  night0.add(start, EventType.THERAPY_SESSION, meanPressure, seconds);
  return night0.finish(seqBase);
}
