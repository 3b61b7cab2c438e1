import {
  CONTEXT_KEYS,
  CONTEXT_SCHEMA,
  defaultOf,
  type ContextKey,
  type ContextRow,
  type ContextValues,
  type Profile,
} from './schema';

/**
 * Reads every schema row from CDK context, checks each value against its row, and collects every
 * failure instead of stopping at the first, so one synth names everything wrong at once.
 */

export const CONTEXT_PREFIX = 'dumpflow:';

/** Where context comes from: a construct node (`app.node`) or a plain object in tests. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
  getAllContext?(): Record<string, unknown>;
}

/** What is wrong with one value, and the rule it breaks. */
export function failure(key: ContextKey, raw: unknown, rule: string): string {
  const shown = typeof raw === 'string' ? `"${raw}"` : JSON.stringify(raw);
  return `context ${CONTEXT_PREFIX}${key} ${rule}, got ${shown}; see docs/deploy.md`;
}

/** A row's rule in words, as validation messages and docs/deploy.md state it. */
export function ruleOf(row: ContextRow): string {
  switch (row.type) {
    case 'int': {
      const allowed = row.oneOf
        ? `one of ${row.oneOf.join(', ')}`
        : `a whole number from ${row.min} to ${row.max}`;
      return `must be ${allowed}${row.optional ? ', or "none"' : ''}`;
    }
    case 'choice':
      return `must be one of ${row.allowed.join(', ')}`;
    case 'string':
      return row.rule;
    case 'list':
      return 'must be a list of strings';
    case 'map':
      return 'must be a JSON object or name=value pairs separated by commas';
  }
}

function parseJsonOr(text: string, otherwise: () => unknown): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return undefined;
    }
  }
  return otherwise();
}

type Parsed = { readonly value: unknown } | { readonly invalid: true };
const INVALID = { invalid: true } as const;

function parse(row: ContextRow, raw: unknown): Parsed {
  switch (row.type) {
    case 'int': {
      if (row.optional && typeof raw === 'string' && raw.trim().toLowerCase() === 'none') {
        return { value: undefined };
      }
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
      const inRange = Number.isInteger(value) && value >= row.min && value <= row.max;
      return inRange && (row.oneOf === undefined || row.oneOf.includes(value)) ? { value } : INVALID;
    }
    case 'choice':
      return typeof raw === 'string' && row.allowed.includes(raw) ? { value: raw } : INVALID;
    case 'string':
      return typeof raw === 'string' && row.pattern.test(raw) ? { value: raw } : INVALID;
    case 'list': {
      const items = Array.isArray(raw)
        ? raw
        : typeof raw === 'string'
          ? parseJsonOr(raw, () => raw.split(','))
          : undefined;
      if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) return INVALID;
      return { value: (items as string[]).map((item) => item.trim()).filter((item) => item !== '') };
    }
    case 'map': {
      if (typeof raw !== 'string') return isStringMap(raw) ? { value: raw } : INVALID;
      const parsed = parseJsonOr(raw, () => {
        const pairs = raw.split(',').filter((pair) => pair.trim() !== '');
        if (pairs.some((pair) => pair.indexOf('=') < 1)) return undefined;
        return Object.fromEntries(
          pairs.map((pair) => [
            pair.slice(0, pair.indexOf('=')).trim(),
            pair.slice(pair.indexOf('=') + 1).trim(),
          ]),
        );
      });
      return isStringMap(parsed) ? { value: parsed } : INVALID;
    }
  }
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === 'string')
  );
}

export interface ReadResult {
  readonly values: ContextValues;
  /** One message per unknown key or bad value; empty when every value is valid. */
  readonly failures: readonly string[];
}

/**
 * Every key's value in `profile` (context, else the row's default); a bad value is reported in
 * `failures` and replaced by its default, so the cross-field rules can still run.
 */
export function readContext(source: ContextSource, profile: Profile): ReadResult {
  const failures: string[] = [];
  const known = new Set<string>(CONTEXT_KEYS.map((key) => CONTEXT_PREFIX + key));
  for (const key of Object.keys(source.getAllContext?.() ?? {})) {
    if (key.startsWith(CONTEXT_PREFIX) && !known.has(key)) {
      failures.push(
        `unknown context key ${key}; the dumpflow keys are listed in docs/deploy.md (check the spelling)`,
      );
    }
  }
  const values: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const row = CONTEXT_SCHEMA[key] as ContextRow;
    const value = source.tryGetContext(CONTEXT_PREFIX + key);
    const raw = value === '' || value === null ? undefined : value;
    values[key] = defaultOf(row, profile);
    if (raw === undefined) continue;
    const parsed = parse(row, raw);
    if ('invalid' in parsed) failures.push(failure(key, raw, ruleOf(row)));
    else values[key] = parsed.value;
  }
  return { values: values as unknown as ContextValues, failures };
}

/** A ContextSource over a plain object of `dumpflow:`-prefixed keys (tests, tools). */
export function contextFromObject(values: Readonly<Record<string, unknown>>): ContextSource {
  return {
    tryGetContext: (key) => values[key],
    getAllContext: () => ({ ...values }),
  };
}
