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
      return tagged.v === null ? new Date(Number.NaN) : new Date(tagged.v);
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
