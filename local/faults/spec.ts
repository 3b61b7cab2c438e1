import { DumpflowError } from '../../lambdas/core/errors';

/**
 * What `dumpflow local --faults SPEC` injects. Probabilities are per DynamoDB call, per
 * BatchWriteItem item or per worker invocation; counts are per dump notification, per SQS message
 * or per run.
 */
export interface FaultSpec {
  /** A fraction of the functions' DynamoDB calls fail with a throttling error (the SDK retries them). */
  readonly throttle: number;
  /** A fraction of the items of each BatchWriteItem come back in UnprocessedItems, unwritten. */
  readonly unprocessed: number;
  /**
   * Every S3 notification is delivered this many times, in shuffled order; with 2 or more, each
   * copy's first delivery also reaches two parser instances at the same instant.
   */
  readonly s3Duplicate: number;
  /** Every SQS message (dump and fan-out queues) is delivered this many times. */
  readonly redeliver: number;
  /** A worker invocation dies with this probability, at a random point of its work. */
  readonly crash: number;
  /** DynamoDB is unreachable this many times during the run, a few seconds each. */
  readonly ddbRestart: number;
  /** A parser invocation dies with this probability, at a random DynamoDB, S3 or SQS call. */
  readonly parserCrash: number;
  /** A fraction of conditional writes and transactions are refused with TransactionConflict. */
  readonly conflict: number;
  /**
   * A parser or worker invocation stalls with this probability at a random call, for longer than
   * its device-day lease and its message's visibility timeout, then carries on.
   */
  readonly pause: number;
}

export const NO_FAULTS: FaultSpec = {
  throttle: 0,
  unprocessed: 0,
  s3Duplicate: 1,
  redeliver: 1,
  crash: 0,
  ddbRestart: 0,
  parserCrash: 0,
  conflict: 0,
  pause: 0,
};

/** A --faults value that cannot be used. */
export class FaultSpecError extends DumpflowError {
  constructor(detail: string) {
    super(
      'E_FAULT_SPEC',
      `${detail}; write --faults as a comma list such as throttle=0.3,unprocessed=0.3,s3-duplicate=3,redeliver=2,crash=0.05,parser-crash=0.2,conflict=0.1,pause=0.05,ddb-restart=1`,
    );
  }
}

type Kind = 'probability' | 'copies' | 'count';

const FIELDS: Readonly<Record<string, { key: keyof FaultSpec; kind: Kind }>> = {
  throttle: { key: 'throttle', kind: 'probability' },
  unprocessed: { key: 'unprocessed', kind: 'probability' },
  's3-duplicate': { key: 's3Duplicate', kind: 'copies' },
  redeliver: { key: 'redeliver', kind: 'copies' },
  crash: { key: 'crash', kind: 'probability' },
  'ddb-restart': { key: 'ddbRestart', kind: 'count' },
  'parser-crash': { key: 'parserCrash', kind: 'probability' },
  conflict: { key: 'conflict', kind: 'probability' },
  pause: { key: 'pause', kind: 'probability' },
};

// Past these a run no longer finishes in reasonable time (or, for probabilities of 1, ever).
const LIMITS: Readonly<Record<Kind, { min: number; max: number; words: string }>> = {
  probability: { min: 0, max: 0.9, words: 'a fraction from 0 to 0.9' },
  copies: { min: 1, max: 10, words: 'a whole number of deliveries from 1 to 10' },
  count: { min: 0, max: 10, words: 'a whole number from 0 to 10' },
};

export function parseFaultSpec(text: string): FaultSpec {
  const spec: Record<keyof FaultSpec, number> = { ...NO_FAULTS };
  const seen = new Set<string>();
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) throw new FaultSpecError('--faults is empty');
  for (const part of parts) {
    const match = /^([a-z0-9-]+)=(.+)$/.exec(part);
    if (!match) throw new FaultSpecError(`"${part}" is not NAME=VALUE`);
    const [, name, raw] = match as unknown as [string, string, string];
    const field = FIELDS[name];
    if (field === undefined) {
      throw new FaultSpecError(`unknown fault "${name}" (known: ${Object.keys(FIELDS).join(', ')})`);
    }
    if (seen.has(name)) throw new FaultSpecError(`"${name}" is given twice`);
    seen.add(name);
    const limit = LIMITS[field.kind];
    const value = Number(raw);
    const whole = field.kind !== 'probability';
    if (
      !/^\d+(\.\d+)?$/.test(raw) ||
      (whole && !Number.isInteger(value)) ||
      value < limit.min ||
      value > limit.max
    ) {
      throw new FaultSpecError(`${name}=${raw}: expected ${limit.words}`);
    }
    spec[field.key] = value;
  }
  return spec;
}

/** The spec back in its command-line form, listing only the faults that are on. */
export function formatFaultSpec(spec: FaultSpec): string {
  const on = Object.entries(FIELDS)
    .filter(([, field]) => spec[field.key] !== NO_FAULTS[field.key])
    .map(([name, field]) => `${name}=${spec[field.key]}`);
  return on.length === 0 ? 'none' : on.join(',');
}

export function hasFaults(spec: FaultSpec): boolean {
  return formatFaultSpec(spec) !== 'none';
}
