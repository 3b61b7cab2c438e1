import type { FaultTotals } from '../local/faults/fault-log';
import type { DeadLetters, KpiRow } from '../local/pipeline';
import type { PhaseReport } from '../local/phase-report';
import { count } from './format';

/** Text tables for `dumpflow local`: one column per phase plus the total, then KPIs per patient. */

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function ms(value: number | null): string {
  if (value === null) return '-';
  return value < 10_000 ? `${value} ms` : `${(value / 1000).toFixed(1)} s`;
}

function units(value: number): string {
  return count(Math.round(value));
}

export function formatRunSummary(phases: readonly PhaseReport[], total: PhaseReport): string {
  const columns = phases.length > 1 ? [...phases, total] : phases;
  const header = ['', ...phases.map((_, i) => `phase ${i + 1}`), ...(phases.length > 1 ? ['total'] : [])];
  const row = (label: string, cell: (r: PhaseReport) => string) => [label, ...columns.map(cell)];
  const rows = [
    header,
    row('dumps', (r) => count(r.dumps)),
    row('rejected dumps', (r) => count(Object.keys(r.rejectedDumps).length)),
    row('events parsed (valid)', (r) => count(r.eventsParsed)),
    row('  stored', (r) => count(r.eventsStored)),
    row('  duplicates', (r) => count(r.duplicates)),
    row('    of which conflicts', (r) => count(r.conflicts)),
    row('  expired', (r) => count(r.expired)),
    ...Object.keys(total.rejectedRecords).map((code) =>
      row(`rejected records ${code}`, (r) =>
        count(r.rejectedRecords[code as keyof typeof r.rejectedRecords]),
      ),
    ),
    row('read units (as AWS bills them)', (r) => units(r.readUnits)),
    row('write units (as AWS bills them)', (r) => units(r.writeUnits)),
    row('  write units per stored event', (r) =>
      r.eventsStored === 0 ? '-' : (r.writeUnits / r.eventsStored).toFixed(3),
    ),
    row(
      '  DynamoDB Local read/write units',
      (r) => `${units(r.dynamodbLocal.readUnits)}/${units(r.dynamodbLocal.writeUnits)}`,
    ),
    row('wall time', (r) => ms(r.elapsedMs)),
    row('latency p50 (upload->complete)', (r) => ms(r.latencyMs.p50)),
    row('latency p95', (r) => ms(r.latencyMs.p95)),
  ];
  const rejected = phases.flatMap((p, i) =>
    Object.entries(p.rejectedDumps).map(([file, code]) => `  phase ${i + 1}: ${file}  ${code}`),
  );
  return [table(rows), ...(rejected.length > 0 ? ['', 'rejected dumps:', ...rejected] : [])].join('\n');
}

export function formatKpis(kpis: readonly KpiRow[]): string {
  if (kpis.length === 0) return 'no KPIs (nothing was stored)';
  const num = (value: number | null, digits: number) => (value === null ? '-' : value.toFixed(digits));
  return table([
    [
      'patient',
      'device',
      'asOf',
      'usage days',
      'compliance %',
      'avg min',
      'AHI',
      'mean leak',
      'alarms',
      'events',
    ],
    ...kpis.map((k) => [
      k.patientId,
      k.deviceId,
      k.asOf,
      String(k.usageDays),
      num(k.compliancePct, 1),
      num(k.avgUsageMinutes, 1),
      num(k.ahi, 2),
      num(k.meanLeak, 2),
      count(k.alarms),
      count(k.events),
    ]),
  ]);
}

/** What the DLQs hold, or the all-clear; a message left there is work the run did not finish. */
export function formatDeadLetters(dead: DeadLetters): string {
  const total = dead.dumpQueue + dead.fanoutQueue + dead.kpiFailures;
  if (total === 0) return 'dead-letter queues: empty (nothing exhausted its retries)';
  return [
    `dead-letter queues: ${count(total)} message(s) exhausted their retries and were NOT processed:`,
    `  dump DLQ (notifications)     ${count(dead.dumpQueue)}`,
    `  fan-out DLQ (chunks)         ${count(dead.fanoutQueue)}`,
    `  KPI on-failure queue         ${count(dead.kpiFailures)}`,
  ].join('\n');
}

export function formatFaults(spec: string, totals: FaultTotals): string {
  const { injected, retries } = totals;
  const pointsOf = (crashPoints: Readonly<Record<string, number>>) =>
    Object.entries(crashPoints)
      .map(([point, n]) => `${point} ${n}`)
      .join(', ');
  const points = pointsOf(injected.crashPoints);
  const parserPoints = pointsOf(injected.parserCrashPoints);
  return table([
    [`faults injected (${spec})`, ''],
    ['  throttled DynamoDB calls', count(injected.throttled)],
    ['  unprocessed BatchWriteItem items', count(injected.unprocessedItems)],
    ['  duplicate S3 notifications', count(injected.duplicateNotifications)],
    ['    delivered to two parsers at once', count(injected.simultaneousDeliveries)],
    ['  extra SQS deliveries', count(injected.redeliveries)],
    [`  worker crashes${points === '' ? '' : ` (${points})`}`, count(injected.crashes)],
    [`  parser crashes${parserPoints === '' ? '' : ` (${parserPoints})`}`, count(injected.parserCrashes)],
    ['  transaction conflicts', count(injected.conflicts)],
    ['  invocations paused past lease and visibility', count(injected.pauses)],
    ['  DynamoDB outages', count(injected.outages)],
    ['    connections refused meanwhile', count(injected.refusedConnections)],
    ['retries they caused', ''],
    ['  SDK retries (functions)', count(retries.sdk)],
    ['  SQS deliveries failed and retried', count(retries.sqs)],
    ['  KPI stream batch retries', count(retries.stream)],
  ]);
}
