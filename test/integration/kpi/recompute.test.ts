import { DeleteItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { formatDay } from '../../../lambdas/core/dump/days';
import type { DumpEvent } from '../../../lambdas/core/dump/types';
import { recomputeKpis } from '../../../lambdas/core/kpi/recompute';
import { ingestInProcess } from '../../../lambdas/core/storage/in-process';
import { kpiKey } from '../../../lambdas/core/kpi/kpi-item';
import { daySk, dayTtl, KPI_SK, summaryPk } from '../../../lambdas/core/storage/keys';
import { at, BASE_DAY, dayEvents, decodedDump, MS_PER_DAY, seededRandom } from '../../factories/events';
import { scanEvents, type StoredEvent } from '../support/storage';
import { interceptedClient } from '../support/intercepted-client';
import { useTestTable } from '../support/table';
import { readKpis } from '../../../lambdas/core/storage/read-events';

const NOW = at(BASE_DAY + 200);

/** Exact fraction of a double found by doubling (exact in binary) until it is an integer. */
function fractionOf(value: number): { num: bigint; den: bigint } {
  let scaled = value;
  let den = 1n;
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    den *= 2n;
  }
  return { num: BigInt(scaled), den };
}

/** round(num/den, decimals) half away from zero, as floor(|x| x 10^d + 1/2) with the sign put back. */
function roundHalfAway(num: bigint, den: bigint, decimals: number): number {
  const negative = num < 0n !== den < 0n;
  const a = num < 0n ? -num : num;
  const b = den < 0n ? -den : den;
  const p = 10n ** BigInt(decimals);
  const units = (2n * a * p + b) / (2n * b);
  const text = (Number(units) / Number(p)).toFixed(decimals);
  const value = Number(text);
  return negative && value !== 0 ? -value : value;
}

/** The spec's KPIs computed directly from stored event items, independently of the summaries. */
function bruteForceKpis(events: readonly StoredEvent[]) {
  const dayOf = (e: StoredEvent) => Math.floor(e.timestamp / MS_PER_DAY);
  const asOf = Math.max(...events.map(dayOf));
  const inWindow = events.filter((e) => dayOf(e) >= asOf - 44 && dayOf(e) <= asOf);
  const therapy = new Map<number, number>();
  for (const e of inWindow)
    if (e.type === 1) therapy.set(dayOf(e), (therapy.get(dayOf(e)) ?? 0) + e.duration);
  const used = [...therapy.entries()].filter(([, seconds]) => seconds >= 14_400);
  const totalTherapy = [...therapy.values()].reduce((a, b) => a + b, 0);
  const apneas = inWindow.filter((e) => e.type === 2 || e.type === 3).length;
  const leaks = inWindow.filter((e) => e.type === 4).map((e) => fractionOf(e.value));
  let leakNum = 0n;
  let leakDen = 1n;
  for (const { num, den } of leaks) {
    const common = den > leakDen ? den : leakDen;
    leakNum = leakNum * (common / leakDen) + num * (common / den);
    leakDen = common;
  }
  return {
    asOf: formatDay(asOf),
    windowStart: formatDay(asOf - 44),
    usageDays: used.length,
    compliancePct: roundHalfAway(BigInt(used.filter(([d]) => d >= asOf - 29).length * 100), 30n, 1),
    avgUsageMinutes: roundHalfAway(BigInt(totalTherapy), 2700n, 1),
    ahi: totalTherapy === 0 ? null : roundHalfAway(BigInt(apneas * 3600), BigInt(totalTherapy), 2),
    meanLeak: leaks.length === 0 ? null : roundHalfAway(leakNum, leakDen * BigInt(leaks.length), 2),
    alarms: inWindow.filter((e) => e.type === 7).length,
    events: inWindow.length,
  };
}

describe('recomputeKpis', () => {
  const table = useTestTable({ prefix: 'kpi' });

  /** What TTL does to a day past retention: its summary is gone (its pages too, in any order). */
  async function expireDay(patientId: string, dayNumber: number): Promise<void> {
    await table.current.dynamodb.send(
      new DeleteItemCommand({
        TableName: table.current.tableName,
        Key: { pk: { S: summaryPk(patientId, 'DEV-1') }, sk: { S: daySk(dayNumber) } },
      }),
    );
  }
  let patient = 0;

  it('equals a brute-force computation over the stored events, on generated dumps', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 40, max: 60 }),
        fc.integer({ min: 2, max: 3 }),
        async (seed, span, dumps) => {
          const random = seededRandom(seed);
          const patientId = `P-kpi-${++patient}`;
          const all = dayEvents(BASE_DAY, span, { perDay: 12, random }).filter(() => random() > 0.15);
          // Long sessions on some days so usage/compliance cross the 4-hour line.
          const sessions: DumpEvent[] = Array.from({ length: 25 }, (_, i) => ({
            timestamp: at(BASE_DAY + Math.floor(random() * span), 79_000_000 + i),
            seq: 900_000 + i,
            type: 1,
            flags: 0,
            value: 9,
            duration: 7200 + Math.floor(random() * 10_000),
          }));
          const pool = [...all, ...sessions];
          for (let d = 0; d < dumps; d++) {
            const start = Math.floor(random() * pool.length * 0.5);
            const slice = pool.slice(start, start + Math.floor(pool.length * 0.7));
            const withConflicts = slice.map((e) => (random() < 0.05 ? { ...e, value: e.value + 0.25 } : e));
            await ingestInProcess(
              {
                dynamodb: table.current.dynamodb,
                tableName: table.current.tableName,
                now: NOW,
                saltBuckets: 2,
              },
              { bucket: 'b', key: `${patientId}/${d}`, version: 'v' },
              decodedDump(withConflicts, { patientId }),
              NOW,
            );
          }

          const { kpis } = await recomputeKpis(table.current, patientId, 'DEV-1');
          const stored = (await scanEvents(table.current)).filter((e) => e.pk.includes(`#${patientId}#`));
          expect(kpis).toEqual(bruteForceKpis(stored));

          const item = await table.current.dynamodb.send(
            new GetItemCommand({
              TableName: table.current.tableName,
              Key: { pk: { S: summaryPk(patientId, 'DEV-1') }, sk: { S: KPI_SK } },
            }),
          );
          expect(item.Item?.['asOf']?.S).toBe(kpis?.asOf);
          expect(Number(item.Item?.['events']?.N)).toBe(kpis?.events);
          const again = await recomputeKpis(table.current, patientId, 'DEV-1');
          expect(again.kpis).toEqual(kpis);
        },
      ),
      { numRuns: 3 },
    );
  }, 60_000);

  it('keeps the KPIs of the newer read when a recompute that read older summaries puts last', async () => {
    const deps = {
      dynamodb: table.current.dynamodb,
      tableName: table.current.tableName,
      now: NOW,
      saltBuckets: 2,
    };
    const ingest = (key: string, events: readonly DumpEvent[]) =>
      ingestInProcess(
        deps,
        { bucket: 'b', key, version: 'v' },
        decodedDump(events, { patientId: 'P-race' }),
        NOW,
      );
    await ingest('race/1', dayEvents(BASE_DAY + 150, 2, { perDay: 10 }));

    // Recompute "stale" reads the summaries, then stalls before its put...
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let stalled = false;
    const stalling = interceptedClient(async (name, args, next) => {
      if (name === 'PutItemCommand' && !stalled) {
        stalled = true;
        await gate;
      }
      return next(args);
    });
    const stale = recomputeKpis(
      { dynamodb: stalling, tableName: table.current.tableName },
      'P-race',
      'DEV-1',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stalled).toBe(true);

    // ...while a commit adds events and another recompute stores KPIs that include them.
    await ingest('race/2', dayEvents(BASE_DAY + 151, 1, { perDay: 10, firstSeq: 1000 }));
    const fresh = await recomputeKpis(table.current, 'P-race', 'DEV-1');
    expect(fresh.kpis?.events).toBe(30);

    release();
    const late = await stale;
    stalling.destroy();
    expect(late.kpis?.events).toBe(20);
    expect(late.superseded).toBe(true);
    const [stored] = await readKpis(table.current, 'P-race', 'DEV-1');
    expect(stored?.events).toBe(30);
  }, 30_000);

  // TTL deletes a day summary late and in any order, and the KPI function hears of it (the REMOVE
  // matches the stream filter on the key). The recompute that follows reads fewer summaries than
  // the last one did; it must still replace their KPIs, or they count days no longer stored.
  it.each([
    ["the window's oldest day", BASE_DAY + 150, 10, formatDay(BASE_DAY + 151)],
    ['the newest day, so asOf moves back', BASE_DAY + 151, 10, formatDay(BASE_DAY + 150)],
  ])('replaces the KPIs when TTL deleted %s', async (_label, expiredDay, events, asOf) => {
    const patientId = `P-ttl-${expiredDay}`;
    await ingestInProcess(
      { dynamodb: table.current.dynamodb, tableName: table.current.tableName, now: NOW, saltBuckets: 2 },
      { bucket: 'b', key: `ttl/${expiredDay}`, version: 'v' },
      decodedDump(dayEvents(BASE_DAY + 150, 2, { perDay: 10 }), { patientId }),
      NOW,
    );
    expect((await recomputeKpis(table.current, patientId, 'DEV-1')).kpis?.events).toBe(20);

    await expireDay(patientId, expiredDay);
    const after = await recomputeKpis(table.current, patientId, 'DEV-1');

    expect(after.superseded).toBe(false);
    const [stored] = await readKpis(table.current, patientId, 'DEV-1');
    expect(stored).toMatchObject({ events, asOf });
  });

  // When TTL removes a window's last day, no recompute can write: the KPI item must go by TTL
  // too, also when an older recompute still in flight puts after the last removal.
  it('gives the KPIs the TTL of their newest day, also when a recompute that read it puts last', async () => {
    const patientId = 'P-ttl-all';
    await ingestInProcess(
      { dynamodb: table.current.dynamodb, tableName: table.current.tableName, now: NOW, saltBuckets: 2 },
      { bucket: 'b', key: 'ttl/all', version: 'v' },
      decodedDump(dayEvents(BASE_DAY + 149, 2, { perDay: 10 }), { patientId }),
      NOW,
    );
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const stalling = interceptedClient(async (name, args, next) => {
      if (name === 'PutItemCommand') await gate;
      return next(args);
    });
    const stale = recomputeKpis(
      { dynamodb: stalling, tableName: table.current.tableName },
      patientId,
      'DEV-1',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    await expireDay(patientId, BASE_DAY + 149);
    await expireDay(patientId, BASE_DAY + 150);
    const after = await recomputeKpis(table.current, patientId, 'DEV-1');
    expect(after.kpis).toBeUndefined();
    release();
    await stale;
    stalling.destroy();

    const { Item } = await table.current.dynamodb.send(
      new GetItemCommand({ TableName: table.current.tableName, Key: kpiKey(patientId, 'DEV-1') }),
    );
    expect(Item?.['ttl']).toEqual({ N: String(dayTtl(BASE_DAY + 150)) });
  });

  it('writes nothing for a patient without stored days', async () => {
    const result = await recomputeKpis(table.current, 'P-nobody', 'DEV-1');
    expect(result.kpis).toBeUndefined();
    expect(result.capacity.writeUnits).toBe(0);
    expect(await readKpis(table.current, 'P-nobody', 'DEV-1')).toEqual([]);
  });
});
