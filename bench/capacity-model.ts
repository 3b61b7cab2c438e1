/**
 * `dumpflow plan` in one object: the capacity (plan-model.ts), the monthly cost lines
 * (plan-cost.ts) and the deployment (plan-deploy.ts) for a fleet, from a measured fleet run
 * (bench/results/fleet-units.json) and a price table (bench/prices.json). Pure. Field names of
 * the earlier plan that still mean the same are kept (dynamodb.readUnitsPerSecond,
 * perUpload.project.storedEvents, monthlyCostUsd.total, ...).
 */
import { costLines, usageOf, type CostLine, type Prices, type Usage } from './plan-cost';
import { deploymentFor, type Deployment } from './plan-deploy';
import { planCapacity, type CapacityPlan, type PlanInput } from './plan-model';
import type { UnitsFile } from './units';

export type { Prices } from './plan-cost';
export type { PlanInput } from './plan-model';

/** The plan's write units/s against new events/s x the run's measured write units per stored event. */
export interface WriteUnitsCheck {
  /** newEvents/s x page write units per stored event + uploads/s x (other writes + KPI writes) per upload, as measured. */
  readonly expectedWriteUnitsPerSecond: number;
  readonly plannedWriteUnitsPerSecond: number;
  /** planned / expected. */
  readonly ratio: number;
  readonly within1_5x: boolean;
}

export interface PlanResult extends Omit<CapacityPlan, 'perUpload'> {
  readonly measuredAt: {
    readonly command: string;
    readonly startedAt: string;
    readonly machine: string;
    readonly eventsPerDay: number;
    readonly uploads: number;
  };
  readonly perUpload: CapacityPlan['perUpload'];
  readonly usage: Usage;
  readonly sqs: { readonly requestsPerUpload: number; readonly requestsPerMonth: number };
  readonly lambda: { readonly invocationsPerMonth: number; readonly gbSecondsPerMonth: number };
  readonly deployment: Deployment;
  readonly writeUnitsCheck: WriteUnitsCheck;
  readonly monthlyCostUsd: {
    readonly dynamodbWrites: number;
    readonly dynamodbReads: number;
    readonly dynamodbReplicatedWrites: number;
    readonly dynamodbStorageSteadyState: number;
    readonly sqs: number;
    readonly lambda: number;
    readonly total: number;
    /** The source design's reads at the same load, for comparison (not in the total). */
    readonly baselineDynamodbReads: number;
    readonly lines: readonly CostLine[];
  };
}

export function writeUnitsCheck(plan: CapacityPlan, units: UnitsFile): WriteUnitsCheck {
  const u = units.uploads;
  const stored = u.reduce((n, x) => n + x.project.stored, 0);
  const pagePerStored = stored > 0 ? u.reduce((n, x) => n + x.project.pageWriteUnits, 0) / stored : 0;
  const otherPerUpload =
    u.reduce((n, x) => n + x.project.writeUnits - x.project.pageWriteUnits + x.kpi.writeUnits, 0) / u.length;
  const expected = plan.newEventsPerSecond * pagePerStored + plan.uploadsPerSecond * otherPerUpload;
  const planned = plan.dynamodb.writeUnitsPerSecond.average;
  const ratio = expected > 0 ? planned / expected : Number.POSITIVE_INFINITY;
  return {
    expectedWriteUnitsPerSecond: expected,
    plannedWriteUnitsPerSecond: planned,
    ratio,
    within1_5x: ratio <= 1.5 && ratio >= 1 / 1.5,
  };
}

export function planFromUnits(units: UnitsFile, prices: Prices, input: PlanInput = {}): PlanResult {
  const plan = planCapacity(units, input);
  const usage = usageOf(plan, units.chunkMessageBytesPerEvent);
  const lines = costLines(plan, prices, usage);
  const cost = (name: string) => lines.find((l) => l.name === name)?.usd ?? 0;
  const inv = usage.invocationsPerMonth;
  return {
    ...plan,
    measuredAt: {
      command: units.source.command,
      startedAt: units.source.startedAt,
      machine: units.source.machine,
      eventsPerDay: units.eventsPerDay,
      uploads: units.uploads.length,
    },
    usage,
    sqs: { requestsPerUpload: usage.sqsRequestsPerUpload, requestsPerMonth: usage.sqsRequestsPerMonth },
    lambda: {
      invocationsPerMonth: inv.parser + inv.worker + inv.kpi,
      gbSecondsPerMonth: usage.gbSecondsPerMonth,
    },
    deployment: deploymentFor(plan),
    writeUnitsCheck: writeUnitsCheck(plan, units),
    monthlyCostUsd: {
      dynamodbWrites: cost('dynamodbWrites'),
      dynamodbReads: cost('dynamodbReads'),
      dynamodbReplicatedWrites: cost('replicatedWrites'),
      dynamodbStorageSteadyState: cost('dynamodbStorage'),
      sqs: cost('sqs'),
      lambda: cost('lambdaRequests') + cost('lambdaCompute'),
      total: lines.reduce((sum, l) => sum + l.usd, 0),
      baselineDynamodbReads:
        (plan.dynamodb.baselineReadUnitsPerSecond.average *
          730 *
          3600 *
          prices.dynamodbReadRequestUnitPerMillion) /
        1e6,
      lines,
    },
  };
}
