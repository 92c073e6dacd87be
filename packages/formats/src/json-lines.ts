import type { DataRecord } from '@sluice/core';

/** Between two records of a JSON array, when the second has a first member. */
const SEPARATOR = Buffer.from('},{"', 'latin1');

/**
 * Whether JSON.stringify writes `record` exactly as {@link recordToJson} does
 * and as a non-empty object: a plain object whose values are strings,
 * numbers, booleans, null, undefined or Dates, with at least one member that
 * is not undefined. (Nested objects, bigints and bytes take the replacer path.)
 */
function isFlatRecord(record: unknown): boolean {
  if (typeof record !== 'object' || record === null) return false;
  const proto = Object.getPrototypeOf(record) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  let members = 0;
  for (const key in record) {
    const value = (record as Record<string, unknown>)[key];
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'boolean':
        members++;
        continue;
      case 'undefined':
        continue;
      case 'object':
        if (value === null) members++;
        else if (!(value instanceof Date)) return false;
        continue;
      default:
        return false;
    }
  }
  return members > 0;
}

/**
 * The NDJSON lines of a batch of flat records (see {@link isFlatRecord}),
 * from one JSON.stringify of the whole batch instead of one per record: the
 * array's `},{"` between two records becomes `}\n{"`, its brackets a final
 * `\n`. A string value or key ending in `},{` also shows `},{"` (its closing
 * quote), so the bytes are used only if exactly `length - 1` occurrences
 * exist: every record is a non-empty object, so each of the `length - 1`
 * boundaries is one, and no other can be. Undefined when the batch does not
 * qualify (the caller encodes record by record).
 */
export function flatJsonLines(batch: readonly DataRecord[]): Buffer | undefined {
  if (batch.length === 0 || !Array.isArray(batch)) return undefined;
  for (let i = 0; i < batch.length; i++) if (!isFlatRecord(batch[i])) return undefined;
  let json: string;
  try {
    json = JSON.stringify(batch);
  } catch {
    return undefined; // a throwing getter: the record-by-record path rejects just that record
  }
  const bytes = Buffer.from(json, 'utf8');
  // `},{"` is ASCII and UTF-8 never puts ASCII bytes inside a multi-byte character: byte offsets are safe.
  let boundaries = 0;
  for (let at = bytes.indexOf(SEPARATOR, 1); at !== -1; at = bytes.indexOf(SEPARATOR, at + 4)) {
    bytes[at + 1] = 0x0a;
    boundaries++;
  }
  if (boundaries !== batch.length - 1) return undefined;
  bytes[bytes.length - 1] = 0x0a; // `]` → `\n`
  return bytes.subarray(1); // drop `[`
}
