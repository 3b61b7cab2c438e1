import fc from 'fast-check';
import {
  fuzzCase,
  judgeDecode,
  mutatedDump,
  randomBuffer,
  type FuzzCase,
} from '../../factories/dump-mutations';

function holds(fuzz: FuzzCase): void {
  const judged = judgeDecode(fuzz);
  if ('failure' in judged) throw new Error(`${fuzz.label}: ${judged.failure}`);
}

/**
 * The bulk of the bad-input fuzz (the parser's end-to-end share is in
 * test/integration/app/parse-dump-fuzz.test.ts; the 100,000-case run is bench/fuzz-parser.ts).
 */
describe('decodeDump under mutated and random input', () => {
  it('mutated valid dumps are rejected with a spec code, or accepted with every record accounted for', () => {
    fc.assert(fc.property(mutatedDump, holds), { numRuns: 1500 });
  });

  it('random buffers are rejected with a spec code or decoded consistently', () => {
    fc.assert(fc.property(randomBuffer, holds), { numRuns: 300 });
  });

  it('the mix the bench runs holds too', () => {
    fc.assert(fc.property(fuzzCase, holds), { numRuns: 200 });
  });

  it('the generator produces accepted and rejected cases and several rejection codes', () => {
    const samples = fc.sample(fuzzCase, { numRuns: 600, seed: 7 });
    const verdicts = samples.map((fuzz) => judgeDecode(fuzz));
    const codes = new Set(
      verdicts.flatMap((j) => ('verdict' in j && j.verdict.kind === 'rejected' ? [j.verdict.code] : [])),
    );
    const accepted = verdicts.filter((j) => 'verdict' in j && j.verdict.kind === 'accepted').length;
    expect(accepted).toBeGreaterThan(30);
    expect(codes.size).toBeGreaterThanOrEqual(8);
  });
});
