import fc from 'fast-check';
import {
  FilterPatternError,
  matchesFilterPattern,
  type FilterPattern,
} from '../../../lambdas/core/filter-pattern';

describe('matchesFilterPattern', () => {
  const event = {
    eventName: 'MODIFY',
    count: 3,
    flag: false,
    gone: null,
    tags: ['a', 'b'],
    dynamodb: { Keys: { sk: { S: 'DAY#2024-03-10' } } },
  };

  it.each<[string, FilterPattern, boolean]>([
    ['an exact string', { eventName: ['MODIFY'] }, true],
    ['one of several values', { eventName: ['INSERT', 'MODIFY'] }, true],
    ['a value not listed', { eventName: ['INSERT'] }, false],
    ['a number', { count: [3] }, true],
    ['a number against its string', { count: ['3'] }, false],
    ['false', { flag: [false] }, true],
    ['null', { gone: [null] }, true],
    ['any element of an array', { tags: ['b'] }, true],
    ['a prefix', { dynamodb: { Keys: { sk: { S: [{ prefix: 'DAY#' }] } } } }, true],
    ['a prefix that differs', { dynamodb: { Keys: { sk: { S: [{ prefix: 'EVENT#' }] } } } }, false],
    ['a suffix', { dynamodb: { Keys: { sk: { S: [{ suffix: '-10' }] } } } }, true],
    ['anything-but', { eventName: [{ 'anything-but': ['REMOVE'] }] }, true],
    ['anything-but the value', { eventName: [{ 'anything-but': 'MODIFY' }] }, false],
    ['exists', { count: [{ exists: true }] }, true],
    ['exists on a missing field', { missing: [{ exists: true }] }, false],
    ['not-exists on a missing field', { missing: [{ exists: false }] }, true],
    ['not-exists on a present field', { count: [{ exists: false }] }, false],
    ['a missing field', { missing: ['x'] }, false],
    ['a nested pattern on a leaf', { eventName: { S: ['MODIFY'] } }, false],
    ['a list on an object', { dynamodb: ['x'] }, false],
    ['two fields, both matching', { eventName: ['MODIFY'], count: [3] }, true],
    ['two fields, one failing', { eventName: ['MODIFY'], count: [4] }, false],
    ['an empty pattern', {}, true],
  ])('%s: %j -> %s', (_name, pattern, expected) => {
    expect(matchesFilterPattern(pattern, event)).toBe(expected);
  });

  it('never matches a prefix rule against a non-string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)), (value) => {
        expect(matchesFilterPattern({ f: [{ prefix: '' }] }, { f: value })).toBe(false);
      }),
    );
  });

  it('matches a prefix exactly when the value starts with it', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (prefix, value) => {
        expect(matchesFilterPattern({ f: [{ prefix }] }, { f: value })).toBe(value.startsWith(prefix));
      }),
    );
  });

  it.each<[string, unknown]>([
    ['an unsupported operator', { f: [{ numeric: ['>', 1] }] }],
    ['a rule with two operators', { f: [{ prefix: 'a', suffix: 'b' }] }],
    ['an empty rule list', { f: [] }],
    ['a bare value instead of a list', { f: 'x' }],
  ])('rejects %s', (_name, pattern) => {
    expect(() => matchesFilterPattern(pattern as FilterPattern, { f: 'abc' })).toThrow(FilterPatternError);
  });
});
