import {
  addItem,
  billedBytesPerEvent,
  itemClass,
  sumClasses,
  type StorageClass,
} from '../../../bench/billed-storage';
import { itemBytes } from '../../../local/aws-billing';

describe('billed storage', () => {
  const pageItem = {
    pk: { S: 'E#20250531#p#d#0' },
    sk: { S: 'P#g#000001' },
    d: { B: new Uint8Array(7000) },
    n: { N: '2800' },
  };
  const summary = { pk: { S: 'S#p#d' }, sk: { S: 'DAY#2025-05-31' }, count: { N: '2800' } };
  const ledger = { pk: { S: 'L#b/k#1' }, sk: { S: 'LEDGER' } };

  it('classes items by their keys', () => {
    expect(itemClass(pageItem)).toBe('page');
    expect(itemClass(summary)).toBe('summary');
    expect(itemClass({ pk: { S: 'S#p#d' }, sk: { S: 'KPI' } })).toBe('kpi');
    expect(itemClass(ledger)).toBe('ledger');
    expect(itemClass({ pk: { S: 'L#b/k#1' }, sk: { S: 'CHUNK#20250531-0' } })).toBe('chunk-outcome');
    expect(itemClass({ pk: { S: '7#20250531#p#d' }, sk: { S: '00000001-00000001-0005' } })).toBe(
      'event-item',
    );
  });

  it('bills every item its size plus 100 bytes and counts the events pages hold', () => {
    const byClass: Record<string, StorageClass> = {};
    let events = 0;
    for (const item of [pageItem, summary, ledger]) events += addItem(byClass, item);
    expect(events).toBe(2800);
    expect(byClass['page']).toEqual({
      items: 1,
      bytes: itemBytes(pageItem),
      billedBytes: itemBytes(pageItem) + 100,
    });
    const total = sumClasses(byClass);
    const perEvent = billedBytesPerEvent({ byClass, total, events });
    expect(perEvent?.perDayItems).toBeCloseTo((itemBytes(pageItem) + itemBytes(summary) + 200) / 2800, 9);
    expect(perEvent?.allItems).toBeCloseTo(total.billedBytes / 2800, 9);
  });
});
