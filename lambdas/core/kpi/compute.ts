import { formatDay } from '../dump/days';
import { roundRational } from './rounding';
import { SCALE } from './exact-sum';

/** A device-day's KPI inputs, as the day summary stores them. */
export interface DayKpiInputs {
  readonly dayNumber: number;
  readonly therapySeconds: number;
  readonly apneaHypopnea: number;
  /** Exact sum of LEAK values x 2^1074. */
  readonly leakSum: bigint;
  readonly leakCount: number;
  readonly alarms: number;
  readonly events: number;
}

export interface Kpis {
  /** YYYY-MM-DD of the latest day with a stored event. */
  readonly asOf: string;
  /** First day of the 45-day window (asOf - 44). */
  readonly windowStart: string;
  readonly usageDays: number;
  readonly compliancePct: number;
  readonly avgUsageMinutes: number;
  readonly ahi: number | null;
  readonly meanLeak: number | null;
  readonly alarms: number;
  readonly events: number;
}

export const WINDOW_DAYS = 45;
export const COMPLIANCE_DAYS = 30;
/** 4 hours: a day counts as used at or above this much therapy. */
export const USAGE_THRESHOLD_SECONDS = 14_400;

/**
 * The spec's KPIs over the 45 days asOf-44..asOf from per-day inputs (days outside the window are
 * ignored; days without a summary have no events). Ratios are rounded exactly, half away from
 * zero, from integer (BigInt) inputs; meanLeak from the exact leak sum.
 */
export function computeKpis(days: readonly DayKpiInputs[], asOfDayNumber: number): Kpis {
  const windowStart = asOfDayNumber - (WINDOW_DAYS - 1);
  const complianceStart = asOfDayNumber - (COMPLIANCE_DAYS - 1);
  let usageDays = 0;
  let compliantDays = 0;
  let therapySeconds = 0n;
  let apneaHypopnea = 0n;
  let leakSum = 0n;
  let leakCount = 0n;
  let alarms = 0;
  let events = 0;
  for (const day of days) {
    if (day.dayNumber < windowStart || day.dayNumber > asOfDayNumber) continue;
    const used = day.therapySeconds >= USAGE_THRESHOLD_SECONDS;
    if (used) usageDays++;
    if (used && day.dayNumber >= complianceStart) compliantDays++;
    therapySeconds += BigInt(day.therapySeconds);
    apneaHypopnea += BigInt(day.apneaHypopnea);
    leakSum += day.leakSum;
    leakCount += BigInt(day.leakCount);
    alarms += day.alarms;
    events += day.events;
  }
  return {
    asOf: formatDay(asOfDayNumber),
    windowStart: formatDay(windowStart),
    usageDays,
    compliancePct: roundRational(BigInt(compliantDays) * 100n, BigInt(COMPLIANCE_DAYS), 1),
    avgUsageMinutes: roundRational(therapySeconds, BigInt(WINDOW_DAYS * 60), 1),
    ahi: therapySeconds === 0n ? null : roundRational(apneaHypopnea * 3600n, therapySeconds, 2),
    meanLeak: leakCount === 0n ? null : roundRational(leakSum, leakCount * SCALE, 2),
    alarms,
    events,
  };
}
