/**
 * Reading stored events back with the product's reader (lambdas/core/storage/read-events.ts),
 * metered as AWS bills it: one device-day at a time (readStoredDay after its summary), and a whole
 * range (readStoredDays).
 */
import { CapacityMeter } from '../lambdas/core/storage/capacity';
import type { BilledUnits } from '../local/aws-billing';
import { readDaySummaries, readStoredDay, readStoredDays } from '../lambdas/core/storage/read-events';
import type { DaySummary } from '../lambdas/core/storage/summary';
import { metered, type BenchClient } from './bench-client';

export interface ReadFigures {
  readonly days: number;
  readonly events: number;
  readonly requests: number;
  readonly aws: BilledUnits;
  readonly dynamodbLocal: BilledUnits;
  readonly wallMs: number;
}

export interface DayReadBack {
  /** Days read one by one: those within 10% of `near` events (at most `maxDays` of them). */
  readonly near: number;
  readonly perDay: readonly ReadFigures[];
  /** Read units of one day as AWS bills it (the page Query or Queries; the summary is given). */
  readonly awsReadUnits: { readonly min: number; readonly median: number; readonly max: number } | null;
}

/** A meter makes the reader ask for ConsumedCapacity, without which AWS's size-based units cannot be known. */
function readDeps(bench: BenchClient, tableName: string) {
  return { dynamodb: bench.dynamodb, tableName, meter: new CapacityMeter() };
}

function figures(days: number, events: number, m: Awaited<ReturnType<typeof metered>>): ReadFigures {
  return {
    days,
    events,
    requests: m.capacity.requests,
    aws: m.capacity.aws,
    dynamodbLocal: m.capacity.dynamodbLocal,
    wallMs: m.wallMs,
  };
}

export async function summariesOf(
  bench: BenchClient,
  tableName: string,
  patientId: string,
  deviceId: string,
): Promise<DaySummary[]> {
  const summaries: DaySummary[] = [];
  for await (const s of readDaySummaries({ dynamodb: bench.dynamodb, tableName }, { patientId, deviceId })) {
    summaries.push(s);
  }
  return summaries;
}

/** Each day near `near` events read back alone, strongly consistent, given its summary. */
export async function readDaysOneByOne(
  bench: BenchClient,
  tableName: string,
  summaries: readonly DaySummary[],
  near = 3000,
  maxDays = 20,
): Promise<DayReadBack> {
  const chosen = summaries.filter((s) => Math.abs(s.inputs.events - near) <= near * 0.1).slice(0, maxDays);
  const perDay: ReadFigures[] = [];
  for (const summary of chosen) {
    const m = await metered(bench, () => readStoredDay(readDeps(bench, tableName), summary));
    perDay.push(figures(1, m.result.events.length, m));
  }
  const units = perDay.map((d) => d.aws.readUnits).sort((a, b) => a - b);
  return {
    near,
    perDay,
    awsReadUnits:
      units.length === 0
        ? null
        : { min: units[0]!, median: units[Math.floor(units.length / 2)]!, max: units[units.length - 1]! },
  };
}

/** Every stored day of a patient-device, summaries included, as `dumpflow events` reads them. */
export async function readWholeRange(
  bench: BenchClient,
  tableName: string,
  patientId: string,
  deviceId: string,
): Promise<ReadFigures> {
  const m = await metered(bench, async () => {
    let days = 0;
    let events = 0;
    for await (const day of readStoredDays(readDeps(bench, tableName), { patientId, deviceId })) {
      days++;
      events += day.events.length;
    }
    return { days, events };
  });
  return figures(m.result.days, m.result.events, m);
}
