import { dateWithMicros } from '../microsecond-date.js';
import type { DataRecord } from '../types.js';

/**
 * JSON lines that keep the values JSON cannot hold (Date, bigint, bytes),
 * tagged as `{"$sluice": "date", "v": "..."}`, so a spooled or dead-lettered
 * record can be replayed exactly as the source produced it.
 */
export function encodeLine(value: unknown): string {
  return JSON.stringify(value, replacer);
}

/**
 * One JSON array for a batch of flat records whose values JSON holds as they
 * are (strings, finite numbers, booleans, null): what CSV sources give. The
 * replacer-free JSON.stringify is several times faster than encodeLine per
 * record. Undefined when any value needs a tag (the caller falls back).
 */
export function encodePlainBatch(records: readonly DataRecord[]): string | undefined {
  for (let r = 0; r < records.length; r++) {
    const record = records[r]!;
    for (const key in record) {
      const value = record[key];
      const type = typeof value;
      if (type === 'string' || type === 'boolean' || value === null || value === undefined) continue;
      if (type === 'number' && Number.isFinite(value)) continue;
      return undefined;
    }
    // Inherited enumerable keys would be seen by for-in but not by JSON.stringify: be safe.
    if (Object.getPrototypeOf(record) !== Object.prototype && Object.getPrototypeOf(record) !== null) return undefined;
  }
  return JSON.stringify(records);
}

/** A batch of string-only records with one key list: the keys once, every value in one text. */
export interface PackedBatch {
  readonly keys: readonly string[];
  /** The values, record after record, key after key, concatenated. */
  readonly text: string;
  /** Where each value ends in `text` (UTF-16 code units). */
  readonly ends: Int32Array;
}

/**
 * Packs a batch whose records are plain objects with the same keys in the same
 * order and only string values: what CSV sources give. Concatenating the
 * values costs a fraction of JSON.stringify (no escaping, no keys per record).
 * Undefined when any record differs (the caller falls back to JSON); the key
 * `__proto__` is never packed, so rebuilding by assignment stays exact.
 */
export function packStringBatch(records: readonly DataRecord[]): PackedBatch | undefined {
  const first = records[0];
  if (!isPlainObject(first)) return undefined;
  const keys: string[] = [];
  for (const key in first) keys.push(key);
  const width = keys.length;
  if (width === 0 || keys.includes('__proto__')) return undefined;
  const ends = new Int32Array(records.length * width);
  let text = '';
  let k = 0;
  for (let r = 0; r < records.length; r++) {
    const record = records[r];
    if (!isStringRecordOf(record, keys)) return undefined;
    for (let i = 0; i < width; i++) {
      text += record[keys[i]!] as string;
      ends[k++] = text.length;
    }
  }
  return { keys, text, ends };
}

/**
 * Whether `record` is a plain object whose own keys are exactly `keys`, in
 * that order, each holding a string: a record that text formats (packed
 * values, CSV rows) can give back exactly.
 */
export function isStringRecordOf(record: unknown, keys: readonly string[]): record is DataRecord {
  if (!isPlainObject(record)) return false;
  let i = 0;
  for (const key in record) {
    if (key !== keys[i] || typeof record[key] !== 'string') return false;
    i++;
  }
  return i === keys.length;
}

/** The records of a {@link PackedBatch}, equal to the ones packed. */
export function unpackStringBatch({ keys, text, ends }: PackedBatch): DataRecord[] {
  const width = keys.length;
  const records = new Array<DataRecord>(ends.length / width);
  let at = 0;
  let k = 0;
  for (let r = 0; r < records.length; r++) {
    const record: DataRecord = {};
    for (let i = 0; i < width; i++) record[keys[i]!] = text.slice(at, (at = ends[k++]!));
    records[r] = record;
  }
  return records;
}

/** A non-null object whose prototype is Object.prototype or null: for-in sees exactly its own keys. */
function isPlainObject(value: unknown): value is DataRecord {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function decodeLine(line: string): unknown {
  return JSON.parse(line, reviver);
}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (original instanceof Date) return { $sluice: 'date', v: Number.isNaN(original.getTime()) ? null : original.toISOString() };
  if (typeof value === 'bigint') return { $sluice: 'bigint', v: value.toString() };
  if (original instanceof Uint8Array) return { $sluice: 'bytes', v: Buffer.from(original).toString('base64') };
  if (typeof value === 'number' && !Number.isFinite(value)) return { $sluice: 'number', v: String(value) };
  if (value === undefined && key !== '') return undefined;
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || !('$sluice' in value)) return value;
  const tagged = value as { $sluice: string; v: string | null };
  switch (tagged.$sluice) {
    case 'date':
      return tagged.v === null ? new Date(Number.NaN) : reviveDate(tagged.v);
    case 'bigint':
      return BigInt(tagged.v ?? '0');
    case 'bytes':
      return Buffer.from(tagged.v ?? '', 'base64');
    case 'number':
      return Number(tagged.v);
    default:
      return value;
  }
}

export function isRecord(value: unknown): value is DataRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An ISO date as the replacer wrote it; six fractional digits (a MicrosecondDate's) come back with their microseconds. */
function reviveDate(iso: string): Date {
  const micros = /\.\d{3}(\d{3})Z$/.exec(iso);
  if (micros === null) return new Date(iso);
  return dateWithMicros(new Date(`${iso.slice(0, -4)}Z`).getTime(), Number(micros[1]));
}

/**
 * Whether `text` holds no lone UTF-16 surrogate, so it survives UTF-8
 * (String#isWellFormed: ES2024, in Node.js 20, and several times faster than
 * a surrogate regular expression; TypeScript's lib does not declare it yet).
 */
export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
