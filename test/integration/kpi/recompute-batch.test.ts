import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { KpiRecomputeBatch } from '../../../lambdas/app/recompute-kpis';
import { ingestInProcess } from '../../../lambdas/core/storage/in-process';
import { kpiKey } from '../../../lambdas/core/kpi/kpi-item';
import { daySk, summaryPk } from '../../../lambdas/core/storage/keys';
import { readKpis } from '../../../lambdas/core/storage/read-events';
import { at, BASE_DAY, dayEvents, decodedDump } from '../../factories/events';
import { useTestTable } from '../support/table';

const NOW = at(BASE_DAY + 200);

describe('KpiRecomputeBatch', () => {
  const table = useTestTable({ prefix: 'kpi-batch' });

  /** Days BASE_DAY+100 (alone) and BASE_DAY+150..151 stored for `patientId`, KPIs computed. */
  async function storedWithKpis(patientId: string) {
    const deps = { dynamodb: table.current.dynamodb, tableName: table.current.tableName };
    for (const [key, firstDay, days] of [
      ['old', BASE_DAY + 100, 1],
      ['recent', BASE_DAY + 150, 2],
    ] as const) {
      await ingestInProcess(
        { ...deps, now: NOW, saltBuckets: 2 },
        { bucket: 'b', key: `${patientId}/${key}`, version: 'v' },
        decodedDump(dayEvents(firstDay, days, { perDay: 10, firstSeq: firstDay * 100 }), { patientId }),
        NOW,
      );
    }
    await new KpiRecomputeBatch(deps).recompute(summaryPk(patientId, 'DEV-1'));
    const [kpis] = await readKpis(table.current, patientId, 'DEV-1');
    expect(kpis?.events).toBe(20);
    return { deps, kpis: kpis! };
  }

  async function removeDay(patientId: string, dayNumber: number): Promise<void> {
    await table.current.dynamodb.send(
      new DeleteItemCommand({
        TableName: table.current.tableName,
        Key: { pk: { S: summaryPk(patientId, 'DEV-1') }, sk: { S: daySk(dayNumber) } },
      }),
    );
  }

  it('leaves the KPIs alone when the removed day is out of any window (a newer day is 45+ days on)', async () => {
    const { deps, kpis } = await storedWithKpis('P-old-gone');
    await removeDay('P-old-gone', BASE_DAY + 100);

    const result = await new KpiRecomputeBatch(deps).removed(
      summaryPk('P-old-gone', 'DEV-1'),
      BASE_DAY + 100,
    );

    expect(result).toBeUndefined();
    expect(await readKpis(table.current, 'P-old-gone', 'DEV-1')).toEqual([kpis]);
  });

  it('recomputes when the removed day can be in the window', async () => {
    const { deps } = await storedWithKpis('P-recent-gone');
    await removeDay('P-recent-gone', BASE_DAY + 151);

    const result = await new KpiRecomputeBatch(deps).removed(
      summaryPk('P-recent-gone', 'DEV-1'),
      BASE_DAY + 151,
    );

    expect(result?.kpis?.events).toBe(10);
    const [stored] = await readKpis(table.current, 'P-recent-gone', 'DEV-1');
    expect(stored?.events).toBe(10);
  });

  // erase deletes the summaries, then the KPI item; the KPI function hears of each removal and
  // may recompute from the summaries not deleted yet. It must not bring the KPIs back.
  it('never re-creates KPIs that were deleted (an erase in progress)', async () => {
    const { deps } = await storedWithKpis('P-erased');
    await table.current.dynamodb.send(
      new DeleteItemCommand({ TableName: table.current.tableName, Key: kpiKey('P-erased', 'DEV-1') }),
    );
    await removeDay('P-erased', BASE_DAY + 151);

    const result = await new KpiRecomputeBatch(deps).removed(summaryPk('P-erased', 'DEV-1'), BASE_DAY + 151);

    expect(result?.superseded).toBe(true);
    expect(await readKpis(table.current, 'P-erased', 'DEV-1')).toEqual([]);
  });

  it('still creates the KPIs of a first commit that shares a batch with a removal', async () => {
    const deps = { dynamodb: table.current.dynamodb, tableName: table.current.tableName };
    await ingestInProcess(
      { ...deps, now: NOW, saltBuckets: 2 },
      { bucket: 'b', key: 'P-first/only', version: 'v' },
      decodedDump(dayEvents(BASE_DAY + 150, 1, { perDay: 10 }), { patientId: 'P-first' }),
      NOW,
    );
    const batch = new KpiRecomputeBatch(deps);
    const pk = summaryPk('P-first', 'DEV-1');

    // The removal's recompute runs first and, with no KPI item yet, writes nothing...
    const removal = await batch.removed(pk, BASE_DAY + 149);
    expect(removal?.superseded).toBe(true);
    // ...and the written summary's record in the same batch does not reuse that result.
    const write = await batch.recompute(pk);
    expect(write.superseded).toBe(false);
    const [stored] = await readKpis(table.current, 'P-first', 'DEV-1');
    expect(stored?.events).toBe(10);
  });
});
