import { matchesKpiStreamFilter } from '../../../lambdas/core/storage/stream-filter';
import { aLambdaStreamRecord } from '../../factories/stream-records';

describe('matchesKpiStreamFilter', () => {
  it.each([
    ['INSERT', 'DAY#2024-03-10', true],
    ['MODIFY', 'DAY#2024-03-10', true],
    ['REMOVE', 'DAY#2024-03-10', true],
    ['INSERT', 'EVENT#1710000000000#1#5', false],
    ['MODIFY', 'day#2024-03-10', false],
    ['INSERT', 'LEDGER#dumps/a.bin', false],
    // erase removes KPI items: that must not wake the function that writes them.
    ['REMOVE', 'KPI', false],
  ] as const)('%s of %s -> %s', (eventName, sk, expected) => {
    expect(matchesKpiStreamFilter(aLambdaStreamRecord({ eventName, sk }))).toBe(expected);
  });

  it('does not match a record without keys', () => {
    expect(matchesKpiStreamFilter({ eventName: 'INSERT', dynamodb: {} })).toBe(false);
  });
});
