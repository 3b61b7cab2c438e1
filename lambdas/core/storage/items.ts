import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { StoredItemError } from './errors';

/**
 * Items (un)marshalled in one place, on @aws-sdk/util-dynamodb: every attribute the core writes is
 * built by toAttributes from plain values, and every stored item is read back through readItem's
 * typed accessors, so an attribute's DynamoDB type is decided here and not at each call site.
 *
 * Numbers are JS numbers both ways, as they always were here: written as String(n), read as
 * Number(text). util-dynamodb's defaults would refuse some the table legitimately holds: a day's
 * TTL past 2^53 (events of a far-future day, up to the u64 timestamp range, keys.dayTtl) or a KPI
 * mean of huge leak values would throw on marshall, and a stored number past 2^53 would come back
 * as a bigint, or throw when it is not an integer ('1e+100'). The number is already the double the
 * caller holds, so nothing is lost that was not lost before. NaN and Infinity still throw (DynamoDB
 * refuses them too).
 */

/**
 * A value one attribute can hold here. Maps hold numbers only (the ledger's rejected counts), which
 * makes an AttributeValue passed by mistake ({ S: 'x' }, or a key from ledgerKey()) a type error
 * instead of a map marshalled around it: spread pre-built keys beside toAttributes' result.
 */
export type AttributeNative =
  string | number | boolean | null | Uint8Array | Readonly<Record<string, number>>;

/**
 * Plain values as attributes, for an item or for ExpressionAttributeValues alike: string -> S,
 * number -> N, boolean -> BOOL, null -> NULL, Uint8Array -> B (the same bytes), a map of numbers
 * -> M of N. Undefined values are left out; '' stays an empty S.
 */
export function toAttributes(
  values: Readonly<Record<string, AttributeNative | undefined>>,
): Record<string, AttributeValue> {
  return marshall(values, { removeUndefinedValues: true, allowImpreciseNumbers: true });
}

function described(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'binary';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Set) return 'a set';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}

/**
 * A stored item's attributes, read by name and type. Required accessors (number, string) throw
 * StoredItemError naming the item and the attribute when it is missing or holds another type; the
 * optional ones answer undefined (nullableNumber: null) only when it is missing, and still throw
 * when it holds another type: absent is a state the item can be in, mistyped is not.
 */
export class ItemReader {
  private constructor(
    // unknown, not util-dynamodb's NativeAttributeValue (which admits any class instance, so any).
    private readonly values: Readonly<Record<string, unknown>>,
    /** Names the item in errors ("day summary DAY#2024-03-10"); never a patient or device id. */
    readonly what: string,
  ) {}

  static of(item: Record<string, AttributeValue>, what: string): ItemReader {
    let values: Record<string, unknown>;
    try {
      values = unmarshall(item, { wrapNumbers: (text) => Number(text) });
    } catch (error) {
      throw new StoredItemError(`${what} is not an item this code reads: ${(error as Error).message}`);
    }
    return new ItemReader(values, what);
  }

  /** The same attributes, named `what` in errors: for an item whose own keys name it. */
  named(what: string): ItemReader {
    return new ItemReader(this.values, what);
  }

  private wrongType(name: string, kind: string, value: unknown): never {
    const holds = value === undefined ? '' : ` (it holds ${described(value)})`;
    throw new StoredItemError(`${this.what} has no ${kind} "${name}"${holds}`);
  }

  number(name: string): number {
    return this.optionalNumber(name) ?? this.wrongType(name, 'number', undefined);
  }

  string(name: string): string {
    return this.optionalString(name) ?? this.wrongType(name, 'string', undefined);
  }

  optionalNumber(name: string): number | undefined {
    const value = this.values[name];
    if (value === undefined || (typeof value === 'number' && Number.isFinite(value))) return value;
    return this.wrongType(name, 'number', value);
  }

  optionalString(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || typeof value === 'string') return value;
    return this.wrongType(name, 'string', value);
  }

  /** A number stored as N, or null when stored as NULL or missing. */
  nullableNumber(name: string): number | null {
    return this.values[name] === null ? null : (this.optionalNumber(name) ?? null);
  }

  /** A map whose every value is a number (M of N). */
  optionalNumberMap(name: string): Readonly<Record<string, number>> | undefined {
    const value = this.values[name];
    if (value === undefined) return undefined;
    const isMap =
      typeof value === 'object' &&
      value !== null &&
      Object.getPrototypeOf(value) === Object.prototype &&
      Object.values(value).every((entry) => typeof entry === 'number');
    return isMap ? (value as Record<string, number>) : this.wrongType(name, 'map of numbers', value);
  }

  optionalBinary(name: string): Uint8Array | undefined {
    const value = this.values[name];
    if (value === undefined || value instanceof Uint8Array) return value;
    return this.wrongType(name, 'binary', value);
  }
}

/** A reader of `item`'s attributes (ItemReader); `what` names the item in errors. */
export function readItem(item: Record<string, AttributeValue>, what: string): ItemReader {
  return ItemReader.of(item, what);
}
