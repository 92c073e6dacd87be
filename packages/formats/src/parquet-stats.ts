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
