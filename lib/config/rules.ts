import { CONTEXT_PREFIX, failure } from './read';
import { KEY_ARN_PATTERN, REGION_PATTERN, STREAM_ARN_PATTERN, type ContextValues } from './schema';

/**
 * The checks that involve more than one key, one small named rule each (as cdk-nag has one rule
 * per file). Each returns every problem it finds, in words that say what to change; the loader
 * runs them all and reports everything at once.
 */

export interface EnvironmentVariables {
  readonly CDK_DEFAULT_REGION?: string;
}

export interface RuleInput {
  readonly values: ContextValues;
  readonly environment: EnvironmentVariables;
}

export type ContextRule = (input: RuleInput) => readonly string[];

const P = CONTEXT_PREFIX;

/** The region of an existing table's stream, when its ARN is valid. */
export function streamRegion(values: ContextValues): string | undefined {
  return values.existingTableStreamArn === undefined
    ? undefined
    : STREAM_ARN_PATTERN.exec(values.existingTableStreamArn)?.[1];
}

/**
 * The stacks' primary region. Without replicas they stay environment-agnostic so synth needs no
 * credentials; an existing table pins them to its region (the functions and their stream mapping
 * must live there).
 */
export function primaryRegion({ values, environment }: RuleInput): string | undefined {
  const defaultRegion = environment.CDK_DEFAULT_REGION?.trim() || undefined;
  return (
    values.region ?? streamRegion(values) ?? (values.replicaRegions.length > 0 ? defaultRegion : undefined)
  );
}

export const replicaRegionsAreRegions: ContextRule = ({ values }) => {
  const regions = values.replicaRegions;
  const problems = regions
    .filter((region) => !REGION_PATTERN.test(region))
    .map((region) => failure('replicaRegions', region, 'must hold AWS region names such as eu-west-1'));
  if (new Set(regions).size !== regions.length) {
    problems.push(failure('replicaRegions', regions.join(','), 'must not name a region twice'));
  }
  return problems;
};

export const globalTableHasPrimaryRegion: ContextRule = (input) => {
  const { replicaRegions } = input.values;
  const region = primaryRegion(input);
  if (replicaRegions.length > 0 && region === undefined) {
    return [
      `context ${P}replicaRegions makes the table a global table, which needs a concrete ` +
        `primary region: pass -c ${P}region=<region> (or set CDK_DEFAULT_REGION)`,
    ];
  }
  if (region !== undefined && replicaRegions.includes(region)) {
    return [
      failure('replicaRegions', replicaRegions.join(','), `must not include the primary region ${region}`),
    ];
  }
  return [];
};

export const everyReplicaHasItsKey: ContextRule = ({ values }) => {
  const { replicaRegions, replicaKeyArns } = values;
  const problems: string[] = [];
  for (const replica of replicaRegions) {
    const arn = replicaKeyArns[replica];
    if (arn === undefined) {
      problems.push(
        `replica region ${replica} has no KMS key: the table is encrypted with a customer-managed key, ` +
          `so every replica needs a key in its own region; add ${replica}=<key ARN> to ${P}replicaKeyArns`,
      );
      continue;
    }
    const match = KEY_ARN_PATTERN.exec(arn);
    if (match === null || match[1] !== replica) {
      problems.push(failure('replicaKeyArns', arn, `must map ${replica} to a KMS key ARN in ${replica}`));
    }
  }
  for (const mapped of Object.keys(replicaKeyArns)) {
    if (!replicaRegions.includes(mapped)) {
      problems.push(failure('replicaKeyArns', mapped, `names a region that is not in ${P}replicaRegions`));
    }
  }
  return problems;
};

/**
 * Below MaximumConcurrency the event source keeps invoking into throttles, and every throttled
 * receive counts toward maxReceiveCount: messages would reach the DLQ unprocessed.
 */
export const reservedConcurrencyCoversMaximum: ContextRule = ({ values }) => {
  const consumers = [
    ['parser', values.parserReservedConcurrency, values.parserMaxConcurrency],
    ['worker', values.workerReservedConcurrency, values.workerMaxConcurrency],
  ] as const;
  return consumers
    .filter(([, reserved, maximum]) => reserved !== undefined && reserved < maximum)
    .map(
      ([name, reserved, maximum]) =>
        `context ${P}${name}ReservedConcurrency (${reserved}) is below ` +
        `${P}${name}MaxConcurrency (${maximum}); raise the reserved ` +
        `concurrency, lower the maximum concurrency, or set the reserved concurrency to "none"`,
    );
};

/**
 * Rejected copies and staged days must not land under the notified prefix, or each would be
 * parsed as an upload; and a lifecycle rule of one must not expire the other's objects.
 */
export const prefixesAreSeparate: ContextRule = ({ values }) => {
  const prefixes = {
    incomingPrefix: values.incomingPrefix,
    rejectedPrefix: values.rejectedPrefix,
    stagingPrefix: values.stagingPrefix,
  };
  const problems: string[] = [];
  for (const [a, first] of Object.entries(prefixes)) {
    for (const [b, second] of Object.entries(prefixes)) {
      if (a < b && (first.startsWith(second) || second.startsWith(first))) {
        problems.push(
          `context ${P}${a} ("${first}") and ${P}${b} ("${second}") overlap; ` +
            'each prefix holds its own objects under its own lifecycle: choose separate prefixes',
        );
      }
    }
  }
  return problems;
};

export const productionKeepsData: ContextRule = ({ values }) =>
  values.profile === 'production' && values.removalPolicy === 'destroy'
    ? [
        `context ${P}removalPolicy=destroy is refused for the production profile: ` +
          `it would delete patient data with the stack; use the dev profile for throwaway deployments`,
      ]
    : [];

/**
 * The restore path's three keys, all or none. The stream ARN must be the named table's, and the
 * stream and key must share a region (DynamoDB needs the key in the table's region), which must
 * be dumpflow:region when that is given.
 */
export const existingTableIsComplete: ContextRule = ({ values }) => {
  const {
    existingTableName: tableName,
    existingTableStreamArn: streamArn,
    existingTableKeyArn: keyArn,
  } = values;
  if (tableName === undefined && streamArn === undefined && keyArn === undefined) return [];
  if (tableName === undefined || streamArn === undefined || keyArn === undefined) {
    const missing = (
      [
        ['existingTableName', tableName],
        ['existingTableStreamArn', streamArn],
        ['existingTableKeyArn', keyArn],
      ] as const
    )
      .filter(([, value]) => value === undefined)
      .map(([key]) => `${P}${key}`);
    return [
      `an existing table needs its name, stream ARN and KMS key ARN together; add ${missing.join(' and ')} ` +
        `(docs/operations.md, "Restore from point-in-time recovery")`,
    ];
  }
  const problems: string[] = [];
  const [, region, , streamTable] = STREAM_ARN_PATTERN.exec(streamArn) as RegExpExecArray;
  if (streamTable !== tableName) {
    problems.push(failure('existingTableStreamArn', streamArn, `must be a stream of table ${tableName}`));
  }
  const keyRegion = (KEY_ARN_PATTERN.exec(keyArn) as RegExpExecArray)[1];
  if (keyRegion !== region) {
    problems.push(
      failure('existingTableKeyArn', keyArn, `must be a key in ${region as string}, the table's region`),
    );
  }
  if (values.region !== undefined && values.region !== region) {
    problems.push(failure('existingTableStreamArn', streamArn, `must be in ${values.region} (${P}region)`));
  }
  if (values.replicaRegions.length > 0) {
    problems.push(
      `context ${P}replicaRegions configures the Data stack's global table, which is not deployed ` +
        `with ${P}existingTableName; remove ${P}replicaRegions and ` +
        `${P}replicaKeyArns and add replicas to the existing table itself (docs/operations.md)`,
    );
  }
  return problems;
};

/** Every rule, in the order their messages are reported. */
export const CONTEXT_RULES: readonly ContextRule[] = [
  replicaRegionsAreRegions,
  existingTableIsComplete,
  globalTableHasPrimaryRegion,
  everyReplicaHasItsKey,
  reservedConcurrencyCoversMaximum,
  prefixesAreSeparate,
  productionKeepsData,
];
