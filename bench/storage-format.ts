import * as os from 'node:os';
import { keyClass, type PartitionReport } from './partition-meter';
import type { DumpFigures, StorageBenchResult, StoragePass } from './storage-types';

const n = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** `class key: total units, peak units/s`, the busiest partition key of a pass. */
export function busiestText(p: PartitionReport): string {
  const key = p.busiestByTotal;
  const second = p.busiestBySecond;
  if (key === null || second === null) return 'no writes';
  return `busiest key ${keyClass(key.pk)}#.. ${n(key.totalUnits)} WCU (peak ${n(key.peakUnitsPerSecond)}/s); busiest second ${keyClass(second.pk)}#.. ${n(second.peakUnitsPerSecond)} WCU/s`;
}

export function formatPass(p: StoragePass): string {
  const per = p.writeUnitsPerStoredEvent;
  return [
    `${String(p.days).padStart(3)} d ${p.pass.padEnd(9)}`,
    `records ${n(p.records).padStart(9)}`,
    `stored ${n(p.stored).padStart(9)}`,
    `chunks/settled ${p.chunks}/${p.settledDays}`,
    `RCU ${n(p.aws.readUnits, 1)} (local ${n(p.dynamodbLocal.readUnits, 1)})`,
    `WCU ${n(p.aws.writeUnits)} (local ${n(p.dynamodbLocal.writeUnits)})`,
    `WCU/stored ${per === null ? '-' : `${per.aws.toFixed(4)} (local ${per.dynamodbLocal.toFixed(4)})`}`,
    `requests ${n(p.requests)}`,
    `wall ${s(p.wallMs)}`,
    busiestText(p.partitions),
  ].join(' | ');
}

function formatDump(d: DumpFigures): string[] {
  const classes = Object.entries(d.storage.byClass)
    .map(([name, c]) => `${name} ${n(c.items)} items ${n(c.billedBytes)} B`)
    .join(', ');
  const one = d.oneDay.awsReadUnits;
  return [
    formatPass(d.fresh),
    formatPass(d.reUpload),
    `      billed storage: ${n(d.storage.total.billedBytes)} B for ${n(d.storage.events)} events = ${
      d.bytesPerEvent === null
        ? '-'
        : `${d.bytesPerEvent.perDayItems.toFixed(2)} B/event (pages + summaries), ${d.bytesPerEvent.allItems.toFixed(2)} B/event (every item)`
    }; ${classes}`,
    `      read back: one day of ~${n(d.oneDay.near)} events ${
      one === null
        ? '-'
        : `${one.min}/${one.median}/${one.max} RCU min/median/max over ${d.oneDay.perDay.length} days`
    }; all ${d.wholeRange.days} days (${n(d.wholeRange.events)} events) ${n(d.wholeRange.aws.readUnits, 1)} RCU (local ${n(d.wholeRange.dynamodbLocal.readUnits, 1)}), ${d.wholeRange.requests} requests, ${s(d.wholeRange.wallMs)}`,
  ];
}

export function formatStorageBench(r: StorageBenchResult): string {
  const lines = [
    `storage bench (${r.command}), ${r.startedAt}; load average now ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
    `eventHash ${r.hashNsPerEvent.toFixed(1)} ns/event; units as AWS bills them (DynamoDB Local's own count in brackets)`,
    ...r.dumps.flatMap(formatDump),
  ];
  if (r.dense !== null) lines.push('dense day (100x the usual rate):', ...formatDump(r.dense));
  const b = r.baseline;
  if (b !== null) {
    lines.push(
      `source design, ${b.days}-day dump fresh: stored ${n(b.stored)}, RCU ${n(b.aws.readUnits)} (local ${n(b.dynamodbLocal.readUnits)}; ${n(b.emptyQueries)} empty Queries), WCU ${n(b.aws.writeUnits)}, requests ${n(b.requests)}, wall ${s(b.wallMs)} (reads ${s(b.readMs)}, writes ${s(b.writeMs)}), billed storage ${b.bytesPerEvent === null ? '-' : b.bytesPerEvent.perDayItems.toFixed(1)} B/event; ${busiestText(b.partitions)}`,
      `fresh ${b.days}-day dump: ours ${r.freshSpeedupOverBaseline === null ? '-' : r.freshSpeedupOverBaseline.toFixed(1)}x faster than the source design`,
    );
  }
  lines.push(
    'targets:',
    ...r.targets.map(
      (t) =>
        `  ${t.met ? 'met    ' : 'NOT MET'} ${t.name}: ${t.measured === null ? '-' : t.measured.toFixed(4)} (target ${t.target})`,
    ),
  );
  return lines.join('\n');
}
