import { readBatchResponse } from '../../../local/event-sources/batch-response';

describe('readBatchResponse', () => {
  const ids = ['m1', 'm2', 'm3'];

  it.each([
    ['no response', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a null list', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
    ['a non-object', 'ok'],
  ])('reads %s as a full success', (_name, response) => {
    expect(readBatchResponse(response, ids)).toEqual({ kind: 'success' });
  });

  it('lists the failed items once each, in the order given', () => {
    const response = {
      batchItemFailures: [{ itemIdentifier: 'm3' }, { itemIdentifier: 'm1' }, { itemIdentifier: 'm3' }],
    };
    expect(readBatchResponse(response, ids)).toEqual({ kind: 'partial', failedIds: ['m3', 'm1'] });
  });

  it.each([
    ['an unknown id', [{ itemIdentifier: 'm9' }]],
    ['an empty id', [{ itemIdentifier: '' }]],
    ['a null id', [{ itemIdentifier: null }]],
    ['a misspelt key', [{ itemIdentifer: 'm1' }]],
    ['a null entry', [null]],
  ])('fails the whole batch for %s', (_name, failures) => {
    expect(readBatchResponse({ batchItemFailures: failures }, ids)).toMatchObject({ kind: 'failed' });
  });

  it('fails the whole batch when batchItemFailures is not a list', () => {
    expect(readBatchResponse({ batchItemFailures: 'm1' }, ids)).toEqual({
      kind: 'failed',
      reason: 'batchItemFailures is not a list',
    });
  });
});
