import { awsUnits, itemBytes, transactWriteUnits, valueBytes } from '../../../local/aws-billing';

describe('aws-billing', () => {
  it('sizes items as DynamoDB does: names plus values', () => {
    expect(valueBytes({ S: 'héllo' })).toBe(6);
    expect(valueBytes({ N: '123456' })).toBe(4);
    expect(valueBytes({ N: '-0.000120' })).toBe(2);
    expect(valueBytes({ B: new Uint8Array(1000) })).toBe(1000);
    expect(valueBytes({ SS: ['ab', 'cde'] })).toBe(5);
    expect(valueBytes({ M: { a: { S: 'xy' } } })).toBe(3 + 1 + 1 + 2);
    expect(itemBytes({ pk: { S: 'abc' }, d: { B: new Uint8Array(10) } })).toBe(2 + 3 + 1 + 10);
  });

  it('bills a transactional write 2 units per started KB of each item', () => {
    const page = { Put: { TableName: 't', Item: { pk: { S: 'p' }, d: { B: new Uint8Array(8_000) } } } };
    const small = { Put: { TableName: 't', Item: { pk: { S: 's' } } } };
    const lease = { Delete: { TableName: 't', Key: { pk: { S: 'l' } } } };
    expect(transactWriteUnits([page])).toBe(2 * 8);
    expect(transactWriteUnits([page, small, lease])).toBe(16 + 2 + 2);
    expect(awsUnits('TransactWriteItemsCommand', { TransactItems: [small] }, { CapacityUnits: 4 })).toEqual({
      readUnits: 0,
      writeUnits: 2,
    });
  });

  it('bills a strongly consistent read at least one unit, and keeps what DynamoDB Local reports otherwise', () => {
    expect(awsUnits('QueryCommand', { ConsistentRead: true }, { CapacityUnits: 0 }).readUnits).toBe(1);
    expect(awsUnits('QueryCommand', {}, { CapacityUnits: 0 }).readUnits).toBe(0.5);
    expect(awsUnits('QueryCommand', { ConsistentRead: true }, { CapacityUnits: 7 }).readUnits).toBe(7);
    expect(awsUnits('PutItemCommand', {}, { CapacityUnits: 3 })).toEqual({ readUnits: 0, writeUnits: 3 });
  });
});
