/** `dumpflow plan` as text: inputs, the measured parameters, capacity, deployment and every cost line. */
import type { PlanResult } from './capacity-model';
import type { Prices } from './plan-cost';

const n = (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits });
const usd = (x: number) =>
  `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function formatPlan(p: PlanResult, prices: Prices): string {
  const i = p.input;
  const m = p.parameters;
  const u = p.perUpload;
  const d = p.dynamodb;
  const dep = p.deployment;
  const w = p.writeUnitsCheck;
  const context = Object.entries(dep.context)
    .map(([key, value]) => `-c dumpflow:${key}=${value}`)
    .join(' ');
  return [
    `capacity plan: ${n(i.patients)} patients x ${n(i.uploadsPerPatientPerDay, 3)} uploads/day = ${n(i.dumpsPerMinute, 1)} uploads/min; ${n(i.eventsPerDay)} events per device-day; mix ${i.mix.join(':')}; ${i.replicas} replicas; ${i.retentionDays}-day retention; peak factor ${i.peakFactor}, headroom ${i.headroom}`,
    `measured: ${p.measuredAt.command} (${p.measuredAt.startedAt}, ${p.measuredAt.uploads} uploads at ${n(p.measuredAt.eventsPerDay)} events/day; scaled x${n(p.eventScale, 3)})`,
    `  parameters: ${n(m.storedPerDeviceDay, 1)} new events per device-day; ${m.pageWriteUnitsPerStoredEvent.toFixed(5)} page WCU per stored event; other writes ${n(m.otherWrites.perUpload, 2)} per upload + ${n(m.otherWrites.perChunk, 2)} per chunk; ${n(m.chunksPerTouchedDay, 3)} chunks per touched day; page reads ${n(m.pageReadUnitsPerUpload, 2)} per upload; KPI ${n(m.kpiPerUpload.readUnits, 2)} RCU + ${n(m.kpiPerUpload.writeUnits, 2)} WCU per upload`,
    `per upload (every ${n(u.gapDays, 3)} days per patient): ${n(u.project.storedEvents)} new events, ${n(u.chunks, 2)} chunks; project ${n(u.project.readUnits, 2)} RCU (pages ${n(u.project.pageReadUnits, 2)}) + KPI ${n(u.kpi.readUnits, 2)}, ${n(u.project.writeUnits, 2)} WCU (pages ${n(u.project.pageWriteUnits, 2)}) + KPI ${n(u.kpi.writeUnits, 2)}; source design ${n(u.baseline.readUnits)} RCU, ${n(u.baseline.writeUnits)} WCU`,
    `new events: ${n(p.newEventsPerSecond)}/s`,
    `DynamoDB read units/s (AWS billing): average ${n(d.readUnitsPerSecond.average, 1)}, peak ${n(d.readUnitsPerSecond.peak, 1)} (source design: ${n(d.baselineReadUnitsPerSecond.average)} / ${n(d.baselineReadUnitsPerSecond.peak)})`,
    `DynamoDB write units/s: average ${n(d.writeUnitsPerSecond.average, 1)}, peak ${n(d.writeUnitsPerSecond.peak, 1)}; check: new events/s x measured page WCU per stored event + uploads/s x measured other writes per upload = ${n(w.expectedWriteUnitsPerSecond, 1)}, ratio ${w.ratio.toFixed(3)} (${w.within1_5x ? 'within' : 'NOT within'} 1.5x)`,
    `storage at steady state: ${n(p.storage.eventsPerDeviceDay)} events and ${n(p.storage.pagesPerDeviceDay, 2)} pages per device-day, ${n(p.storage.billedBytesPerDeviceDay)} billed B per device-day (${p.storage.billedBytesPerStoredEvent.toFixed(2)} B per event), + ${n(p.storage.perPatientDeviceBytes)} B per patient-device, + ${n(p.storage.ledgerBytesPerUpload)} B ledger per upload: ${n(p.storage.tableGb, 1)} GB per table copy`,
    `deploy: warm throughput ${n(dep.warmReadUnitsPerSecond)} RCU/s, ${n(dep.warmWriteUnitsPerSecond)} WCU/s; parser ${dep.parserMaxConcurrency}, worker ${dep.workerMaxConcurrency} (max = reserved), KPI reserved ${dep.kpiReservedConcurrency} (peak concurrency ${n(dep.peakConcurrency.parser, 1)} / ${n(dep.peakConcurrency.worker, 1)} / ${n(dep.peakConcurrency.kpi, 1)} x headroom ${dep.headroom}); ${dep.withinDefaultQuotas ? 'within AWS default quotas' : 'needs quota increases'}`,
    ...dep.quotaNotes.map((note) => `  note: ${note}`),
    `  npx cdk deploy --all -c dumpflow:profile=production ${context}`,
    `monthly cost (${prices.region}, prices as of ${prices.asOf}, ${prices.checked}):`,
    ...p.monthlyCostUsd.lines.map((l) => `  ${l.name.padEnd(20)} ${usd(l.usd).padStart(12)}  = ${l.formula}`),
    `  ${'total'.padEnd(20)} ${usd(p.monthlyCostUsd.total).padStart(12)}   (source design's reads alone at this load: ${usd(p.monthlyCostUsd.baselineDynamodbReads)})`,
  ].join('\n');
}
