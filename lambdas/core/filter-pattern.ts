import { DumpflowError } from './errors';

/**
 * The part of Lambda's event filtering syntax (EventBridge patterns) dumpflow uses: exact values,
 * `prefix`, `suffix`, `exists` and `anything-but`, at any depth. Patterns are written once (e.g.
 * KPI_STREAM_FILTER_PATTERN), handed to CDK's FilterCriteria for the deployed mapping and
 * evaluated here for the local one.
 */
export type FilterRule =
  | string
  | number
  | boolean
  | null
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly exists: boolean }
  | { readonly 'anything-but': string | number | readonly (string | number)[] };

export interface FilterPattern {
  readonly [field: string]: FilterPattern | readonly FilterRule[];
}

/** A pattern uses syntax outside the supported subset; it would match differently on Lambda. */
export class FilterPatternError extends DumpflowError {
  constructor(message: string) {
    super('E_FILTER_PATTERN', message);
  }
}

/**
 * True when `event` matches `pattern`: every field of the pattern must match (AND); a field's
 * list matches when any rule matches (OR); an array value matches when any element does.
 */
export function matchesFilterPattern(pattern: FilterPattern, event: unknown): boolean {
  return Object.entries(pattern).every(([field, expected]) => {
    const value = isObject(event) ? event[field] : undefined;
    if (Array.isArray(expected)) return matchesRules(expected as readonly FilterRule[], value, field);
    if (!isObject(expected)) {
      throw new FilterPatternError(`field "${field}" must hold a list of rules or a nested pattern`);
    }
    return isObject(value) && matchesFilterPattern(expected as FilterPattern, value);
  });
}

function matchesRules(rules: readonly FilterRule[], value: unknown, field: string): boolean {
  if (rules.length === 0) throw new FilterPatternError(`field "${field}" has an empty rule list`);
  const values = Array.isArray(value) ? (value as unknown[]) : [value];
  return rules.some((rule) => {
    if (isObject(rule) && 'exists' in rule) return rule.exists === (value !== undefined);
    return value !== undefined && values.some((v) => matchesRule(rule, v, field));
  });
}

function matchesRule(rule: FilterRule, value: unknown, field: string): boolean {
  if (rule === null || typeof rule !== 'object') return value === rule;
  const keys = Object.keys(rule);
  if (keys.length !== 1)
    throw new FilterPatternError(`a rule of field "${field}" must have exactly one operator`);
  if ('prefix' in rule) return typeof value === 'string' && value.startsWith(rule.prefix);
  if ('suffix' in rule) return typeof value === 'string' && value.endsWith(rule.suffix);
  if ('anything-but' in rule) {
    const excluded = rule['anything-but'];
    return !(Array.isArray(excluded) ? excluded : [excluded]).includes(value as string | number);
  }
  throw new FilterPatternError(
    `field "${field}" uses the unsupported operator "${keys[0]}"; supported: exact values, prefix, suffix, exists, anything-but`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
