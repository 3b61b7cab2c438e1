import { DEFAULT_NOW, generateDumps } from '../../../generator';
import {
  decodeDump,
  DumpRejectedError,
  encodeDump,
  toDumpEvents,
  type DumpEvent,
} from '../../../lambdas/core/dump';
import type { FunctionEnvironment, KpiRow, LocalDump } from '../../../local/pipeline';

/**
 * The spec's rules written out plainly, independent of the product's storage and KPI code: every
 * valid record in upload order is expired, or the first stored copy of its identity, or a
 * duplicate (and a conflict when its flags, value or duration differ from the stored copy).
 */
const DAY = 86_400_000;

export interface Totals {
  dumps: number;
  rejectedDumps: Record<string, string>;
  eventsParsed: number;
  eventsStored: number;
  duplicates: number;
  conflicts: number;
  expired: number;
  rejectedRecords: { R_TIME_RANGE: number; R_VALUE: number };
}

interface StoredEvent extends DumpEvent {
  readonly patientId: string;
  readonly deviceId: string;
}

export class SpecOracle {
  readonly stored = new Map<string, StoredEvent>();

  constructor(private readonly now: number) {}

  phase(dumps: readonly LocalDump[]): Totals {
    const totals: Totals = {
      dumps: dumps.length,
      rejectedDumps: {},
      eventsParsed: 0,
      eventsStored: 0,
      duplicates: 0,
      conflicts: 0,
      expired: 0,
      rejectedRecords: { R_TIME_RANGE: 0, R_VALUE: 0 },
    };
    for (const dump of dumps) {
      let decoded;
      try {
        decoded = decodeDump(dump.bytes);
      } catch (error) {
        if (!(error instanceof DumpRejectedError)) throw error;
        totals.rejectedDumps[dump.name] = error.code;
        continue;
      }
      const { patientId, deviceId } = decoded.header;
      totals.rejectedRecords.R_TIME_RANGE += decoded.rejectedRecords.R_TIME_RANGE;
      totals.rejectedRecords.R_VALUE += decoded.rejectedRecords.R_VALUE;
      for (const e of toDumpEvents(decoded.events)) {
        totals.eventsParsed++;
        if (Math.floor(e.timestamp / DAY) < Math.floor(this.now / DAY) - 400) {
          totals.expired++;
          continue;
        }
        const identity = `${patientId}|${deviceId}|${e.timestamp}|${e.seq}|${e.type}`;
        const first = this.stored.get(identity);
        if (first === undefined) {
          this.stored.set(identity, { ...e, patientId, deviceId });
          totals.eventsStored++;
        } else {
          totals.duplicates++;
          if (first.flags !== e.flags || !Object.is(first.value, e.value) || first.duration !== e.duration) {
            totals.conflicts++;
          }
        }
      }
    }
    return totals;
  }

  kpis(): KpiRow[] {
    const byDevice = new Map<string, StoredEvent[]>();
    for (const e of this.stored.values()) {
      const key = `${e.patientId}|${e.deviceId}`;
      byDevice.set(key, [...(byDevice.get(key) ?? []), e]);
    }
    return [...byDevice.values()]
      .map((events) => kpisOf(events))
      .sort((a, b) => (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0));
  }
}

/** Half away from zero at `decimals`, of the exact rational num/den (den > 0). */
function roundExact(num: bigint, den: bigint, decimals: number): number {
  const scaled = num * 10n ** BigInt(decimals);
  const negative = scaled < 0n;
  const magnitude = negative ? -scaled : scaled;
  const rounded = (2n * magnitude + den) / (2n * den);
  return Number(negative ? -rounded : rounded) / 10 ** decimals;
}

/** A double as the exact integer value x 2^1074 (every finite double is one). */
function exactTimes2p1074(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
  const magnitude = mantissa << BigInt(Math.max(exponent, 1) - 1);
  return bits >> 63n === 1n ? -magnitude : magnitude;
}

function isoDay(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

function kpisOf(events: readonly StoredEvent[]): KpiRow {
  const asOf = Math.max(...events.map((e) => Math.floor(e.timestamp / DAY)));
  const inWindow = events.filter((e) => Math.floor(e.timestamp / DAY) >= asOf - 44);
  const therapy = new Map<number, number>();
  for (const e of inWindow.filter((x) => x.type === 1)) {
    const day = Math.floor(e.timestamp / DAY);
    therapy.set(day, (therapy.get(day) ?? 0) + e.duration);
  }
  const usedDays = [...therapy].filter(([, seconds]) => seconds >= 14_400).map(([day]) => day);
  const totalSeconds = [...therapy.values()].reduce((a, b) => a + b, 0);
  const apneas = inWindow.filter((e) => e.type === 2 || e.type === 3).length;
  const leaks = inWindow.filter((e) => e.type === 4);
  const leakSum = leaks.reduce((sum, e) => sum + exactTimes2p1074(e.value), 0n);
  const first = events[0]!;
  return {
    patientId: first.patientId,
    deviceId: first.deviceId,
    asOf: isoDay(asOf),
    usageDays: usedDays.length,
    compliancePct: roundExact(BigInt(usedDays.filter((d) => d >= asOf - 29).length) * 100n, 30n, 1),
    avgUsageMinutes: roundExact(BigInt(totalSeconds), 45n * 60n, 1),
    ahi: totalSeconds === 0 ? null : roundExact(BigInt(apneas) * 3600n, BigInt(totalSeconds), 2),
    meanLeak: leaks.length === 0 ? null : roundExact(leakSum, BigInt(leaks.length) << 1074n, 2),
    alarms: inWindow.filter((e) => e.type === 7).length,
    events: inWindow.length,
  };
}

/**
 * One execution environment per concurrent invocation, as in Lambda. jest's module registry ignores
 * require.cache, so the fresh module instances come from jest.isolateModules here.
 */
export function isolatedEnvironment(): FunctionEnvironment {
  let environment: FunctionEnvironment | undefined;
  jest.isolateModules(() => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    environment = {
      parser: (
        require('../../../lambdas/handlers/parser') as typeof import('../../../lambdas/handlers/parser')
      ).handler,
      worker: (
        require('../../../lambdas/handlers/worker') as typeof import('../../../lambdas/handlers/worker')
      ).handler,
      kpi: (require('../../../lambdas/handlers/kpi') as typeof import('../../../lambdas/handlers/kpi'))
        .handler,
      watchdog: (
        require('../../../lambdas/handlers/watchdog') as typeof import('../../../lambdas/handlers/watchdog')
      ).handler,
      ...(() => {
        const clients =
          require('../../../lambdas/shared/clients') as typeof import('../../../lambdas/shared/clients');
        return { dynamodb: clients.dynamodb, s3: clients.s3, sqs: clients.sqs };
      })(),
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
  });
  return environment!;
}

/** Generated dumps (two devices, two overlapping uploads each) plus the malformed cases. */
export function pipelineWorkload(eventsPerDay = 300): LocalDump[] {
  const generated = [...generateDumps({ devices: 2, uploadsPerDevice: 2, days: 7, eventsPerDay, seed: 7 })];
  const dumps: LocalDump[] = generated.map((d) => ({ name: d.fileName, bytes: d.bytes }));

  const badCrc = Uint8Array.from(generated[0]!.bytes);
  badCrc[100] = badCrc[100]! ^ 0x01;
  dumps.push({ name: 'bad-crc.dump', bytes: badCrc });
  dumps.push({
    name: 'truncated.dump',
    bytes: generated[1]!.bytes.slice(0, generated[1]!.bytes.length - 40),
  });

  // Record errors, expiry, intra- and cross-dump duplicates and conflicts for device 0.
  const device0 = generated.filter((d) => d.deviceIndex === generated[0]!.deviceIndex);
  const seen = new Map<string, { event: DumpEvent; copies: number }>();
  for (const d of device0) {
    for (const e of toDumpEvents(decodeDump(d.bytes).events)) {
      const id = `${e.timestamp}|${e.seq}|${e.type}`;
      seen.set(id, { event: e, copies: (seen.get(id)?.copies ?? 0) + 1 });
    }
  }
  // PRESSURE readings in one generated dump only: a changed copy is exactly one conflict whichever
  // copy is stored first, and PRESSURE takes no part in the KPIs.
  const lonePressure = [...seen.values()]
    .filter((s) => s.copies === 1 && s.event.type === 5)
    .map((s) => s.event);
  // Not one of the PRESSURE readings changed above: a third copy of an identity with two contents
  // would make the conflict count depend on which dump is processed first.
  const changed = new Set(lonePressure.slice(0, 3));
  const anyEvents = [...seen.values()].map((s) => s.event).filter((e) => !changed.has(e));
  const createdAt = DEFAULT_NOW;
  const fresh = (minutes: number, type: number, value: number, duration = 0): DumpEvent => ({
    timestamp: DEFAULT_NOW - 2 * DAY + minutes * 60_000,
    seq: 900_000 + minutes,
    type,
    flags: 0,
    value,
    duration,
  });
  const recordErrors = encodeDump({
    deviceId: generated[0]!.deviceId,
    patientId: generated[0]!.patientId,
    createdAt,
    events: [
      { ...fresh(1, 5, 1), timestamp: Date.UTC(1999, 11, 31) }, // R_TIME_RANGE: before 2000
      { ...fresh(2, 5, 1), timestamp: createdAt + DAY + 1 }, // R_TIME_RANGE: after createdAt + 1 day
      fresh(3, 4, Number.NaN), // R_VALUE
      fresh(4, 4, Number.POSITIVE_INFINITY), // R_VALUE
      { ...fresh(5, 1, 10, 3600), timestamp: DEFAULT_NOW - 450 * DAY }, // expired
      { ...fresh(6, 2, 0, 20), timestamp: DEFAULT_NOW - 401 * DAY }, // expired (day 401 below now)
      fresh(7, 4, 31.25), // new LEAK
      fresh(8, 7, 3), // new ALARM
      fresh(9, 99, 1), // new event of an unknown type
      fresh(10, 5, 12.5), // new, then a changed copy in the same dump: one conflict
      { ...fresh(10, 5, 12.5), value: 13.5 },
      fresh(11, 4, 2.75), // new, then an identical copy: one duplicate
      fresh(11, 4, 2.75),
      ...lonePressure.slice(0, 3).map((e) => ({ ...e, value: e.value + 1 })), // cross-dump conflicts
      ...anyEvents.slice(0, 4), // cross-dump duplicates
    ],
  });
  dumps.push({ name: 'record-errors.dump', bytes: recordErrors });
  return dumps;
}
