import type { ParquetColumnType } from './options.js';

/** Chunk statistics as hyparquet-writer's footer writer takes them (it encodes and truncates). */
export interface ChunkStatistics {
  min_value?: unknown;
  max_value?: unknown;
  null_count: bigint;
  nan_count?: bigint;
}

/** A surrogate or a code unit U+E000..U+FFFF: where UTF-16 order and UTF-8 byte order can disagree. */
const ORDER_SENSITIVE = /[\uD800-\uFFFF]/;

/** Whether a non-ASCII string needs the code-point comparison (see {@link compareUtf8}). */
export function orderSensitive(text: string): boolean {
  return ORDER_SENSITIVE.test(text);
}

/**
 * Min/max of the non-null cells of a column chunk, compared as the physical
 * values are ordered (UTF-8 bytes for strings, unsigned bytes for binary).
 * `codePointOrder` is set when some string has a character where JavaScript's
 * UTF-16 order differs from byte order; otherwise the native `<` is exact.
 */
export function chunkStatistics(
  type: ParquetColumnType,
  cells: readonly unknown[],
  nulls: number,
  codePointOrder: boolean,
): ChunkStatistics {
  const stats: ChunkStatistics = { null_count: BigInt(nulls) };
  if (type === 'json') return stats; // JSON text has no useful order
  if (type === 'string') {
    let min: string | undefined;
    let max: string | undefined;
    for (const cell of cells) {
      if (typeof cell !== 'string') continue;
      if (min === undefined || max === undefined) {
        min = max = cell;
      } else if (codePointOrder) {
        if (compareUtf8(cell, min) < 0) min = cell;
        else if (compareUtf8(cell, max) > 0) max = cell;
      } else if (cell < min) min = cell;
      else if (cell > max) max = cell;
    }
    stats.min_value = min;
    stats.max_value = max;
    return stats;
  }
  if (type === 'binary') {
    let min: Uint8Array | undefined;
    let max: Uint8Array | undefined;
    for (const cell of cells) {
      if (!(cell instanceof Uint8Array)) continue;
      if (min === undefined || compareBytes(cell, min) < 0) min = cell;
      if (max === undefined || compareBytes(cell, max) > 0) max = cell;
    }
    stats.min_value = min;
    stats.max_value = max;
    return stats;
  }
  if (type === 'double') {
    let min = Infinity;
    let max = -Infinity;
    let nan = 0;
    let any = false;
    for (const cell of cells) {
      if (typeof cell !== 'number') continue;
      if (cell !== cell) {
        nan++;
        continue;
      }
      any = true;
      if (cell < min) min = cell;
      if (cell > max) max = cell;
    }
    stats.nan_count = BigInt(nan);
    // The spec: a zero min is written -0, a zero max +0.
    if (any) {
      stats.min_value = min === 0 ? -0 : min;
      stats.max_value = max === 0 ? 0 : max;
    }
    return stats;
  }
  let min: number | bigint | boolean | undefined;
  let max: number | bigint | boolean | undefined;
  for (const raw of cells) {
    if (raw === null || raw === undefined) continue;
    const cell = raw instanceof Date ? raw.getTime() : (raw as number | bigint | boolean);
    if (min === undefined || cell < min) min = cell;
    if (max === undefined || cell > max) max = cell;
  }
  stats.min_value = min;
  stats.max_value = max;
  return stats;
}

/** Strings in UTF-8 byte order, which is code point order (lone surrogates as U+FFFD, as encoded). */
export function compareUtf8(left: string, right: string): number {
  if (left === right) return 0;
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const a = codePointAt(left, i);
    const b = codePointAt(right, j);
    if (a !== b) return a - b;
    i += a > 0xffff ? 2 : 1;
    j += b > 0xffff ? 2 : 1;
  }
  return (left.length - i) - (right.length - j);
}

function codePointAt(text: string, i: number): number {
  const code = text.codePointAt(i) as number;
  return code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
}

function compareBytes(left: Uint8Array, right: Uint8Array): number {
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    if (left[i] !== right[i]) return (left[i] as number) - (right[i] as number);
  }
  return left.length - right.length;
}
