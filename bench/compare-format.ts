/** Human-readable tables of `dumpflow bench` and bench/mix.ts (the shapes of docs/benchmarks.md). */
import type { UploadKind } from '../generator';
import type { CompareBenchResult } from './compare';
import { formatDumpRow } from './dump-rows';
import type { FirstUploadMixComparison } from './first-upload-mix';
import type { FleetComparison } from './fleet-mix';
import { KINDS, type KindFigures } from './kinds';

const fixed = (x: number | null, digits = 1) => (x === null ? '-' : x.toFixed(digits));
const n = (x: number) => Math.round(x).toLocaleString('en-US');

function kindRow(label: string, k: KindFigures): string {
  const p = k.project;
  const b = k.baseline;
  const ratio = (x: number, y: number) => (y > 0 ? `${(x / y).toFixed(0)}x` : '-');
  return [
    `  ${label.padEnd(10)} ${String(k.uploads).padStart(3)} uploads`,
    `records ${n(k.records).padStart(10)}`,
    `stored ${n(p.stored)} / ${n(b.stored)}`,
    `RCU (AWS) ${n(p.aws.readUnits)} / ${n(b.aws.readUnits)} = ${ratio(b.aws.readUnits, p.aws.readUnits)}`,
    `RCU (DynamoDB Local) ${n(p.dynamodbLocal.readUnits)} / ${n(b.dynamodbLocal.readUnits)} = ${ratio(b.dynamodbLocal.readUnits, p.dynamodbLocal.readUnits)}`,
    `WCU (AWS) ${n(p.aws.writeUnits)} / ${n(b.aws.writeUnits)} (local ${n(p.dynamodbLocal.writeUnits)} / ${n(b.dynamodbLocal.writeUnits)})`,
    `requests ${n(p.requests)} / ${n(b.requests)}`,
    `wall ${(p.wallMs / 1000).toFixed(1)} / ${(b.wallMs / 1000).toFixed(1)} s`,
  ].join(' | ');
}

/** Per kind and in total: project / source design. */
export function formatKinds(byKind: Partial<Record<UploadKind, KindFigures>>, total: KindFigures): string[] {
  return [
    ...KINDS.flatMap((kind) => (byKind[kind] === undefined ? [] : [kindRow(kind, byKind[kind])])),
    kindRow('all', total),
  ];
}

export function formatFleet(f: FleetComparison): string[] {
  const p = f.total.project;
  const s = f.storage;
  return [
    `fleet (${f.scale.devices} devices, ${f.scale.periodDays}-day period, ${f.scale.eventsPerDay} events/day, seed ${f.scale.seed}; history ${f.history.dumps} dumps, ${n(f.history.records)} records loaded first, not measured): project / source design`,
    ...formatKinds(f.byKind, f.total),
    `  read units ratio ${fixed(f.ratios.readUnitsRatio, 0)}x as AWS bills them, ${fixed(f.ratios.readUnitsRatioDynamodbLocal, 0)}x as DynamoDB Local counts them; write units per stored event ${p.stored > 0 ? (p.aws.writeUnits / p.stored).toFixed(4) : '-'} (AWS); KPI recompute ${n(p.kpi.aws.readUnits)} RCU, ${n(p.kpi.aws.writeUnits)} WCU; mean ${f.meanDaysSincePreviousUpload.toFixed(2)} days since a device's previous upload`,
    `  same stored events: ${f.sameStoredCount}; equal to the generator's new events upload by upload: ${f.storedMatchesGenerator}`,
    `  storage: stream pages ${s.pageDataBytesPerEvent.toFixed(2)} B/event of page bytes + ${s.pageFixedBytes.toFixed(0)} B per page item (${s.streamPageBilledBytesPerEvent.toFixed(2)} billed B/event), summary ${s.summaryBilledBytes.toFixed(0)} B, KPI + device ${s.perPatientDeviceBilledBytes.toFixed(0)} B per patient-device, ledger items ${s.ledgerBilledBytesPerUpload.toFixed(0)} B per upload`,
  ];
}

export function formatFirstUploadMix(m: FirstUploadMixComparison): string[] {
  const p = m.total.project;
  return [
    `first-upload mix (${m.scale.devices} devices x ${m.scale.uploadsPerDevice} uploads, ${m.scale.eventsPerDay} events/day, seed ${m.scale.seed}): project / source design`,
    ...formatKinds(m.byKind, m.total),
    `  read units ratio ${fixed(m.ratios.readUnitsRatio, 0)}x as AWS bills them, ${fixed(m.ratios.readUnitsRatioDynamodbLocal, 0)}x as DynamoDB Local counts them; write units per stored event ${p.stored > 0 ? (p.aws.writeUnits / p.stored).toFixed(4) : '-'} (AWS), ${p.stored > 0 ? (p.dynamodbLocal.writeUnits / p.stored).toFixed(4) : '-'} (DynamoDB Local); same stored events: ${m.sameStoredCount}`,
  ];
}

export function formatCompareBench(r: CompareBenchResult): string {
  const t = r.throughput;
  return [
    `dumpflow bench${r.quick ? ' --quick' : ''}: ${r.note}`,
    `machine: ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}; load average ${r.machine.loadAverageAtStart.toFixed(2)} at start, ${r.machine.loadAverageAtEnd.toFixed(2)} at end; total ${(r.totalWallMs / 1000).toFixed(0)} s`,
    'units as AWS bills them unless marked DynamoDB Local',
    '',
    ...(r.dumps.length === 0
      ? []
      : ['single dumps: project vs source design', ...r.dumps.map(formatDumpRow), '']),
    ...formatFleet(r.fleet),
    '',
    ...formatFirstUploadMix(r.firstUploadMix),
    '',
    `decode: ${(r.decode.eventsPerSecond / 1e6).toFixed(1)} M events/s on one core (${r.decode.decodeMs.toFixed(0)} ms for ${r.decode.records} records; Buffer.copy ${r.decode.copyFreshMs.toFixed(0)} ms, ${r.decode.ratioToFreshCopy.toFixed(1)}x)`,
    `local pipeline: ${t.pipeline.events} events (${t.pipeline.dumps} dumps x ${t.pipeline.days} days x ${t.pipeline.eventsPerDay} events/day, ${t.pipeline.workers} workers) in ${t.pipeline.seconds.toFixed(1)} s = ${Math.round(t.pipeline.eventsPerSecond)} events/s, first upload to last COMPLETE`,
    `raw write ceiling: ${t.ceiling.items} items in ${t.ceiling.seconds.toFixed(1)} s = ${Math.round(t.ceiling.itemsPerSecond)} items/s (BatchWriteItem, ${t.ceiling.concurrency} in flight, same table and DynamoDB Local); pipeline / ceiling ${fixed(t.pipelineToCeilingRatio, 2)}`,
    '',
    'targets:',
    ...r.targets.map(
      (c) =>
        `  ${c.met ? 'met    ' : 'NOT MET'} ${c.name}: ${c.measured === null ? '-' : c.measured.toFixed(3)} (target ${c.target})`,
    ),
  ].join('\n');
}
