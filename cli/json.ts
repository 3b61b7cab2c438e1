/**
 * A double as a JSON (and CSV) number literal that reads back as exactly the same double:
 * JavaScript's shortest round-trip text, except that -0 keeps its sign (JSON.stringify writes 0).
 */
export function exactNumber(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}
