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
  const stats: ChunkStatistics = { min_value: undefined, max_value: undefined, null_count: BigInt(nulls) };
  // Each scan is a function of its own, so its loop is optimized once (an
  // inlined loop with a cold tail here was deoptimized on every chunk).
  switch (type) {
    case 'json':
      return stats; // JSON text has no useful order
    case 'string':
      if (codePointOrder) scanCodePoints(cells);
      else scanStrings(cells);
      break;
    case 'binary':
      scanBytes(cells);
      break;
    case 'double':
      stats.nan_count = BigInt(scanDoubles(cells));
      // The spec: a zero min is written -0, a zero max +0.
      if (lowest === 0) lowest = -0;
      if (highest === 0) highest = 0;
      break;
    default:
      scanOrdered(cells);
  }
  stats.min_value = lowest;
  stats.max_value = highest;
  lowest = highest = undefined;
  return stats;
}

/** Results of the last scan. */
let lowest: unknown;
let highest: unknown;

function scanStrings(cells: readonly unknown[]): void {
  let min: string | undefined;
  let max: string | undefined;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (typeof cell !== 'string') continue;
    if (min === undefined || max === undefined) min = max = cell;
    else if (cell < min) min = cell;
    else if (cell > max) max = cell;
  }
  lowest = min;
  highest = max;
}

function scanCodePoints(cells: readonly unknown[]): void {
  let min: string | undefined;
  let max: string | undefined;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (typeof cell !== 'string') continue;
    if (min === undefined || max === undefined) min = max = cell;
    else if (compareUtf8(cell, min) < 0) min = cell;
    else if (compareUtf8(cell, max) > 0) max = cell;
  }
  lowest = min;
  highest = max;
}

function scanBytes(cells: readonly unknown[]): void {
  let min: Uint8Array | undefined;
  let max: Uint8Array | undefined;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (!(cell instanceof Uint8Array)) continue;
    if (min === undefined || compareBytes(cell, min) < 0) min = cell;
    if (max === undefined || compareBytes(cell, max) > 0) max = cell;
  }
  lowest = min;
  highest = max;
}

/** Min/max skipping NaN; returns the NaN count. */
function scanDoubles(cells: readonly unknown[]): number {
  let min = Infinity;
  let max = -Infinity;
  let nan = 0;
  let any = false;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i];
    if (typeof cell !== 'number') continue;
    if (cell !== cell) {
      nan++;
      continue;
    }
    any = true;
    if (cell < min) min = cell;
    if (cell > max) max = cell;
  }
  lowest = any ? min : undefined;
  highest = any ? max : undefined;
  return nan;
}

/** int32, int64 (bigint), boolean and timestamp (as epoch milliseconds). */
function scanOrdered(cells: readonly unknown[]): void {
  let min: number | bigint | boolean | undefined;
  let max: number | bigint | boolean | undefined;
  for (let i = 0; i < cells.length; i++) {
    const raw = cells[i];
    if (raw === null || raw === undefined) continue;
    const cell = raw instanceof Date ? raw.getTime() : (raw as number | bigint | boolean);
    if (min === undefined || cell < min) min = cell;
    if (max === undefined || cell > max) max = cell;
  }
  lowest = min;
  highest = max;
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
