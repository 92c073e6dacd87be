import type { SchemaElementLike } from './parquet-columns.js';
import { unconvertMinMax } from './vendor/hyparquet-writer.js';

/** Chunk statistics as hyparquet-writer's footer writer takes them (it encodes and truncates). */
export interface ChunkStatistics {
  min_value?: unknown;
  max_value?: unknown;
  /** Set when min / max are already truncated bytes: only then false. */
  is_min_value_exact?: boolean;
  is_max_value_exact?: boolean;
  null_count: bigint;
  nan_count?: bigint;
}

/**
 * Replaces a string or binary chunk's min/max with bytes of their own, as
 * the footer will store them. A record's string is often a slice of a
 * source's whole input chunk (megabytes of CSV text) and its bytes a view
 * into a larger buffer: kept until the footer is written, every row group's
 * bounds would keep that input alive until the file ends. The bytes are
 * truncated here as hyparquet-writer truncates them (16 bytes, a max rounded
 * up), which then leaves them as they are; the exactness flags say whether
 * that truncation changed them.
 */
export function ownBounds(stats: ChunkStatistics, element: SchemaElementLike): ChunkStatistics {
  if (element.type !== 'BYTE_ARRAY') return stats;
  const min = ownBound(stats.min_value, element, false);
  const max = ownBound(stats.max_value, element, true);
  if (min) {
    stats.min_value = min.bytes;
    if (!min.exact) stats.is_min_value_exact = false;
  }
  if (max) {
    stats.max_value = max.bytes;
    if (!max.exact) stats.is_max_value_exact = false;
  }
  return stats;
}

function ownBound(value: unknown, element: SchemaElementLike, isMax: boolean): { bytes: Uint8Array; exact: boolean } | undefined {
  if (typeof value === 'string') {
    // Encoding copies the characters; a truncation copies again.
    const bytes = unconvertMinMax(value, element as never, isMax) as Uint8Array;
    return { bytes, exact: bytes.length === Buffer.byteLength(value) };
  }
  if (value instanceof Uint8Array) {
    // `new Uint8Array(view)` copies (a Buffer's `slice` would not); a value of 16 bytes or less comes back as is.
    const bytes = unconvertMinMax(new Uint8Array(value), element as never, isMax) as Uint8Array;
    return { bytes, exact: bytes.length === value.length };
  }
  return undefined;
}

/** A surrogate or a code unit U+E000..U+FFFF: where UTF-16 order and UTF-8 byte order can disagree. */
const ORDER_SENSITIVE = /[\uD800-\uFFFF]/;

/** Whether a non-ASCII string needs the code-point comparison (see {@link compareUtf8}). */
export function orderSensitive(text: string): boolean {
  return ORDER_SENSITIVE.test(text);
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

/** Byte arrays in unsigned lexicographic order. */
export function compareBytes(left: Uint8Array, right: Uint8Array): number {
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i++) {
    if (left[i] !== right[i]) return (left[i] as number) - (right[i] as number);
  }
  return left.length - right.length;
}
