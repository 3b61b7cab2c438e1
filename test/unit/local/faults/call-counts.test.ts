import { CallCounts } from '../../../../local/faults/call-counts';

describe('CallCounts', () => {
  it('answers the fallback until an invocation has finished', () => {
    const seen = new CallCounts();
    expect(seen.mean(10)).toBe(10);
    expect(seen.longest(20)).toBe(20);
  });

  it('gives the mean and the longest invocation seen', () => {
    const seen = new CallCounts();
    seen.record(2);
    seen.record(9);
    seen.record(4);
    expect(seen.mean(10)).toBe(5);
    expect(seen.longest(20)).toBe(9);
  });

  it('never answers less than one call, so a draw from 1..answer is never empty', () => {
    const seen = new CallCounts();
    seen.record(0);
    expect(seen.mean(10)).toBe(1);
    expect(seen.longest(20)).toBe(1);
  });
});
