import { awsUnits } from '../../../local/aws-billing';
import { keyClass, PartitionMeter, requestRead, requestWrites } from '../../../bench/partition-meter';

const page = (pk: string, bytes: number) => ({
  pk: { S: pk },
  sk: { S: 'P#g#000001' },
  d: { B: new Uint8Array(bytes) },
  n: { N: '3000' },
});

describe('requestWrites', () => {
  it('bills each item of a transaction 2 units per started KB, as local/aws-billing.ts does in total', () => {
    const input = {
      TransactItems: [
        { Put: { TableName: 't', Item: page('E#20250531#p#d#0', 8_000) } },
        { Put: { TableName: 't', Item: { pk: { S: 'S#p#d' }, sk: { S: 'DAY#2025-05-31' } } } },
        { Delete: { TableName: 't', Key: { pk: { S: 'D#20250531#p#d' }, sk: { S: 'LOCK' } } } },
        {
          ConditionCheck: {
            TableName: 't',
            Key: { pk: { S: 'S#p#d' }, sk: { S: 'DAY#x' } },
            ConditionExpression: 'x',
          },
        },
      ],
    };
    const writes = requestWrites('TransactWriteItemsCommand', input, {});
    expect(writes.map((w) => [keyClass(w.pk), w.units])).toEqual([
      ['E', 16],
      ['S', 2],
      ['D', 2],
      ['S', 2],
    ]);
    expect(writes[0]).toMatchObject({ events: 3000, dataBytes: 8_000 });
    const total = writes.reduce((n, w) => n + w.units, 0);
    expect(total).toBe(awsUnits('TransactWriteItemsCommand', input, undefined).writeUnits);
  });

  it('takes a single-item write from the response, and leaves out what BatchWriteItem hands back', () => {
    expect(
      requestWrites(
        'UpdateItemCommand',
        { Key: { pk: { S: 'L#b/k#1' } } },
        { ConsumedCapacity: { CapacityUnits: 3 } },
      ),
    ).toEqual([{ pk: 'L#b/k#1', units: 3, bytes: 0 }]);
    const item = (sk: string) => ({
      pk: { S: '3#20250531#p#d' },
      sk: { S: sk },
      v: { B: new Uint8Array(1500) },
    });
    const writes = requestWrites(
      'BatchWriteItemCommand',
      { RequestItems: { t: [{ PutRequest: { Item: item('a') } }, { PutRequest: { Item: item('b') } }] } },
      { UnprocessedItems: { t: [{ PutRequest: { Item: item('b') } }] } },
    );
    expect(writes).toHaveLength(1);
    expect(writes[0]!.units).toBe(2);
    expect(requestWrites('QueryCommand', {}, {})).toEqual([]);
  });
});

describe('requestRead', () => {
  it('names the key a GetItem or Query read and bills it as AWS does (at least 1 unit when strongly consistent)', () => {
    expect(
      requestRead(
        'QueryCommand',
        { ConsistentRead: true, ExpressionAttributeValues: { ':pk': { S: 'E#x' } } },
        {},
      ),
    ).toEqual({ pk: 'E#x', units: 1, bytes: 0 });
    expect(
      requestRead(
        'GetItemCommand',
        { ConsistentRead: true, Key: { pk: { S: 'S#p#d' } } },
        { ConsumedCapacity: { CapacityUnits: 2 } },
      ),
    ).toMatchObject({ pk: 'S#p#d', units: 2 });
    expect(requestRead('PutItemCommand', {}, {})).toBeNull();
  });
});

describe('PartitionMeter', () => {
  it('finds the busiest key over the run and in any one second', () => {
    let now = 0;
    const meter = new PartitionMeter(() => now);
    meter.record([
      { pk: 'A#1', units: 5, bytes: 0 },
      { pk: 'B#1', units: 1, bytes: 0 },
    ]);
    now = 1000;
    meter.record([{ pk: 'A#1', units: 5, bytes: 0 }]);
    now = 2500;
    meter.record([{ pk: 'B#1', units: 8, bytes: 0 }]);
    const report = meter.report();
    expect(report.busiestByTotal).toEqual({ pk: 'A#1', totalUnits: 10, peakUnitsPerSecond: 5 });
    expect(report.busiestBySecond).toEqual({ pk: 'B#1', totalUnits: 9, peakUnitsPerSecond: 8 });
    expect(report.unitsByClass).toEqual({ A: 10, B: 9 });
    meter.reset();
    expect(meter.report().keys).toBe(0);
  });

  it('adds up the event pages it saw put', () => {
    const meter = new PartitionMeter(() => 0);
    meter.record(
      requestWrites(
        'TransactWriteItemsCommand',
        { TransactItems: [{ Put: { TableName: 't', Item: page('E#1', 100) } }] },
        {},
      ),
    );
    expect(meter.report().pagesWritten).toMatchObject({ items: 1, dataBytes: 100, events: 3000 });
  });
});
