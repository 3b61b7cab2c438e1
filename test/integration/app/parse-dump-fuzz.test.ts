import fc from 'fast-check';
import { fuzzCase, FUZZ_CREATED_AT, type FuzzCase } from '../../factories/dump-mutations';
import { rawDump } from '../../factories/dumps';
import { checkParseDumpCase } from '../support/parse-dump-check';
import { useLocalS3Sqs } from '../support/s3-sqs';
import { useTestTable } from '../support/table';

/**
 * End-to-end share of the bad-input fuzz: each case is uploaded to fauxqs S3 and parsed by the
 * parser's use case against DynamoDB Local. The bulk (decode level) is in
 * test/unit/dump/decode-fuzz.test.ts; the 100,000-case run is bench/fuzz-parser.ts.
 */
const END_TO_END_RUNS = 200;

describe('parseDump under mutated and random input (fauxqs S3/SQS, DynamoDB Local)', () => {
  const table = useTestTable({ prefix: 'fuzz' });
  const services = useLocalS3Sqs({ namePrefix: 'fuzz' });

  it(`resolves for ${END_TO_END_RUNS} cases; a rejected dump stores nothing but its REJECTED ledger item and is quarantined; an accepted one fans out every live record`, async () => {
    const outcomes = { accepted: 0, rejected: 0 };
    const codes = new Set<string>();
    let caseNumber = 0;
    const property = fc.asyncProperty(fuzzCase, async (fuzz: FuzzCase) => {
      const { s3, sqs, services: local } = services.current;
      const outcome = await checkParseDumpCase(
        { s3, sqs, services: local, dynamodb: table.current.dynamodb, tableName: table.current.tableName },
        fuzz,
        `fuzz/${++caseNumber}.bin`,
      );
      expect({ label: fuzz.label, failures: outcome.failures }).toEqual({ label: fuzz.label, failures: [] });
      outcomes[outcome.verdict]++;
      if (outcome.code !== undefined) codes.add(outcome.code);
    });
    await fc.assert(property, { numRuns: END_TO_END_RUNS });

    // Both branches of the property ran, with a spread of rejection codes.
    expect(outcomes.accepted + outcomes.rejected).toBe(END_TO_END_RUNS);
    expect(outcomes.rejected).toBeGreaterThan(END_TO_END_RUNS / 4);
    expect(outcomes.accepted).toBeGreaterThan(10);
    expect(codes.size).toBeGreaterThanOrEqual(6);
  }, 120_000);

  // Found by bench/fuzz-parser.ts: a valid dump whose createdAt lies past year 9999 may hold events
  // there; their chunk ids ("~5…") are not valid SQS batch entry ids, and the fan-out failed for good.
  it('fans out a valid dump with events past year 9999', async () => {
    const { s3, sqs, services: local } = services.current;
    const farFuture = Date.UTC(12_000, 0, 1, 12);
    const bytes = rawDump({
      createdAt: BigInt(farFuture),
      records: [
        { timestamp: BigInt(FUZZ_CREATED_AT - 3_600_000), seq: 1 },
        { timestamp: BigInt(farFuture - 3_600_000), seq: 2 },
      ],
    });
    const outcome = await checkParseDumpCase(
      { s3, sqs, services: local, dynamodb: table.current.dynamodb, tableName: table.current.tableName },
      { label: 'far future', base: bytes, bytes, expect: { kind: 'accepted-as-base' } },
      'fuzz/far-future.bin',
    );
    expect(outcome).toEqual({ verdict: 'accepted', failures: [] });
  });
});
