import { deviceProfile, nightEvents, type NightEvents } from '../../../generator/therapy';
import { EventType } from '../../../lambdas/core/dump';

const NIGHTS = 200;
const FIRST_NIGHT = 20_000; // 2024-10-04
const HOUR = 3_600_000;

function nights(seed: number, device: number, eventsPerDay: number): NightEvents[] {
  const profile = deviceProfile(seed, device);
  return Array.from({ length: NIGHTS }, (_, n) =>
    nightEvents(seed, device, FIRST_NIGHT + n, eventsPerDay, profile),
  );
}

function ofType(night: NightEvents, type: number): number[] {
  const at: number[] = [];
  for (let k = 0; k < night.length; k++) if (night.type[k] === type) at.push(k);
  return at;
}

describe('nightEvents', () => {
  const generated = nights(5, 3, 400);

  it('is a fixed function of (seed, device, night, eventsPerDay)', () => {
    const again = nightEvents(5, 3, FIRST_NIGHT + 17, 400);
    expect(again).toEqual(generated[17]);
    expect(nightEvents(6, 3, FIRST_NIGHT + 17, 400)).not.toEqual(generated[17]);
    expect(nightEvents(5, 4, FIRST_NIGHT + 17, 400)).not.toEqual(generated[17]);
  });

  it('has at most one THERAPY_SESSION per night, on most nights, lasting 3 to 8 hours, starting 20:00-02:00 UTC', () => {
    let withSession = 0;
    generated.forEach((night, n) => {
      const sessions = ofType(night, EventType.THERAPY_SESSION);
      expect(sessions.length).toBeLessThanOrEqual(1);
      if (sessions.length === 0) return;
      withSession++;
      const k = sessions[0]!;
      expect(night.duration[k]).toBeGreaterThanOrEqual(3 * 3600);
      expect(night.duration[k]).toBeLessThanOrEqual(8 * 3600);
      const sinceMidnight = night.timestamp[k]! - (FIRST_NIGHT + n) * 86_400_000;
      expect(sinceMidnight).toBeGreaterThanOrEqual(20 * HOUR);
      expect(sinceMidnight).toBeLessThanOrEqual(26 * HOUR);
      expect(night.value[k]).toBeGreaterThanOrEqual(4);
      expect(night.value[k]).toBeLessThanOrEqual(20);
    });
    expect(withSession / NIGHTS).toBeGreaterThan(0.75);
    expect(withSession).toBeLessThan(NIGHTS);
  });

  it('frames sessions with POWER_ON before and POWER_OFF after, and sets the humidifier', () => {
    for (const night of generated) {
      const [session] = ofType(night, EventType.THERAPY_SESSION);
      if (session === undefined) continue;
      const start = night.timestamp[session]!;
      const end = start + night.duration[session]! * 1000;
      const on = ofType(night, EventType.POWER_ON).map((k) => night.timestamp[k]!);
      const off = ofType(night, EventType.POWER_OFF).map((k) => night.timestamp[k]!);
      expect(on).toHaveLength(1);
      expect(off).toHaveLength(1);
      expect(on[0]!).toBeLessThan(start);
      expect(off[0]!).toBeGreaterThan(end);
      expect(ofType(night, EventType.HUMIDIFIER).length).toBeGreaterThanOrEqual(1);
    }
  });

  it('puts breathing events inside the session with plausible lengths and an AHI near the profile', () => {
    let events = 0;
    let hours = 0;
    for (const night of generated) {
      const [session] = ofType(night, EventType.THERAPY_SESSION);
      if (session === undefined) continue;
      const start = night.timestamp[session]!;
      const end = start + night.duration[session]! * 1000;
      hours += night.duration[session]! / 3600;
      for (const k of [...ofType(night, EventType.APNEA), ...ofType(night, EventType.HYPOPNEA)]) {
        events++;
        const length = night.duration[k]!;
        const at = night.timestamp[k]!;
        // One expect per night, not per event: thousands of expect calls would dominate the run time.
        if (length < 10 || length > 60 || at < start || at + length * 1000 > end || night.value[k] !== 0) {
          throw new Error(`implausible breathing event at ${at}: ${length} s, value ${night.value[k]}`);
        }
      }
    }
    expect(events).toBeGreaterThan(0);
    expect(events / hours).toBeCloseTo(deviceProfile(5, 3).ahi, 0);
  });

  it('samples LEAK, PRESSURE and SPO2 with plausible values', () => {
    const ranges: Array<[number, number, number]> = [
      [EventType.LEAK, 0, 80],
      [EventType.PRESSURE, 4, 20],
      [EventType.SPO2, 85, 100],
    ];
    for (const [type, min, max] of ranges) {
      const values = generated.flatMap((night) => ofType(night, type).map((k) => night.value[k]!));
      expect(values.length).toBeGreaterThan(NIGHTS * 50);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(min);
      expect(Math.max(...values)).toBeLessThanOrEqual(max);
      expect(generated.every((night) => ofType(night, type).every((k) => night.duration[k] === 0))).toBe(
        true,
      );
    }
  });

  it('raises an ALARM on some nights, with alarm codes as values', () => {
    const alarms = generated.flatMap((night) => ofType(night, EventType.ALARM).map((k) => night.value[k]!));
    expect(alarms.length).toBeGreaterThan(0);
    expect(alarms.length).toBeLessThan(NIGHTS);
    expect(alarms.every((code) => Number.isInteger(code) && code >= 1 && code <= 12)).toBe(true);
  });

  it('keeps each night in time order with consecutive sequence numbers', () => {
    for (const night of generated) {
      for (let k = 1; k < night.length; k++) {
        if (night.timestamp[k]! < night.timestamp[k - 1]!) throw new Error(`night out of order at ${k}`);
        if (night.seq[k] !== (night.seq[k - 1]! + 1) >>> 0) throw new Error(`seq gap at ${k}`);
      }
    }
    // Nights do not overlap in time, so a device's events are in time order across nights too.
    for (let n = 1; n < NIGHTS; n++) {
      const previous = generated[n - 1]!;
      const current = generated[n]!;
      if (previous.length > 0 && current.length > 0) {
        expect(current.timestamp[0]!).toBeGreaterThan(previous.timestamp[previous.length - 1]!);
      }
    }
  });

  it('gives each identity (timestamp, seq, type) to one event only', () => {
    const seen = new Set<string>();
    let events = 0;
    for (const night of generated) {
      for (let k = 0; k < night.length; k++) {
        seen.add(`${night.timestamp[k]}/${night.seq[k]}/${night.type[k]}`);
        events++;
      }
    }
    expect(seen.size).toBe(events);
  });

  it('averages about eventsPerDay events per night', () => {
    const total = generated.reduce((sum, night) => sum + night.length, 0);
    expect(total / NIGHTS).toBeGreaterThan(400 * 0.9);
    expect(total / NIGHTS).toBeLessThan(400 * 1.1);
  });

  it('uses every known event type and no other', () => {
    const used = new Set(generated.flatMap((night) => Array.from(night.type)));
    expect([...used].sort((a, b) => a - b)).toEqual(Object.values(EventType).sort((a, b) => a - b));
  });
});
