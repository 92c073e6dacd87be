import type { DataRecord } from '@sluice/core';

/** Follows a dotted path (`data.items`) into parsed JSON; undefined when any step is missing. */
export function getPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function isRecord(value: unknown): value is DataRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The records a response body holds: an array's items, or a single object
 * as one record. `null` reads as an empty page. Returns undefined when the
 * value is neither (a scalar), so the caller can name the path in its error.
 */
export function recordsOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value === null) return [];
  if (isRecord(value)) return [value];
  return undefined;
}
