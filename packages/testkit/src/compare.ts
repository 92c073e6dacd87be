import type { DataRecord } from '@sluice/core';

/**
 * A stable text form of a value: object keys sorted, Dates as ISO strings,
 * bigints as `123n`, undefined fields omitted. Equal records give equal keys.
 */
export function canonicalKey(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('base64')}`;
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/** Records sorted by {@link canonicalKey}, for order-insensitive comparison. */
export function sortRecords(records: readonly DataRecord[]): DataRecord[] {
  return records
    .map((record) => ({ record, key: canonicalKey(record) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => entry.record);
}

/**
 * Settles `promise` or fails after `ms` with a message naming `what`, so a
 * connector that hangs fails its test instead of the whole file timing out.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether an error is (or was caused by) cancellation through an AbortSignal. */
export function isAbortError(error: unknown, signal?: AbortSignal): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (signal?.aborted && e === signal.reason) return true;
    if (typeof e !== 'object') return false;
    const { name, code } = e as { name?: unknown; code?: unknown };
    if (name === 'AbortError' || code === 'ABORT_ERR' || code === 20) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
