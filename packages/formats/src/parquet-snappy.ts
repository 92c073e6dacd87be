import type { ByteSink } from './parquet-bytes.js';

// Snappy compression (raw format, as Parquet pages use it), after the
// reference algorithm and snappyjs (MIT, Zhipeng Jia). It writes straight into
// a preallocated output instead of appending byte by byte, which is most of
// the cost in hyparquet-writer's copy of the same algorithm.

const MAX_OFFSET = 65535;
const MAX_HASH_BITS = 14;
const INPUT_MARGIN = 15;
const tables: Int32Array[] = [];
/** Where compressRange stopped emitting: the rest of the input is a literal. */
let emitted = 0;

/** Appends the Snappy compression of `input` to `out`. */
export function snappyCompress(input: Uint8Array, out: ByteSink): void {
  // Worst case of the format: 32 + n + n/6, plus the length varint.
  out.ensure(42 + input.length + Math.ceil(input.length / 6));
  out.varint(input.length);
  const output = out.buf;
  let op = out.pos;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  // One pass over the whole page with a 64 KiB window (as hyparquet-writer),
  // not the reference's independent 64 KiB blocks: repeats further apart
  // than a block boundary still match.
  op = compressRange(input, view, input.length, output, op);
  // The trailing literal is emitted here, not in compressRange: a branch
  // first reached after the hot loop was optimized kept deoptimizing it.
  if (emitted < input.length) op = emitLiteral(input, emitted, input.length - emitted, output, op);
  out.pos = op;
}

function hash(key: number, shift: number): number {
  return Math.imul(key, 0x1e35a7bd) >>> shift;
}

function compressRange(input: Uint8Array, view: DataView, size: number, output: Uint8Array, op: number): number {
  let bits = 1;
  while (1 << bits <= size && bits <= MAX_HASH_BITS) bits++;
  bits--;
  const shift = 32 - bits;
  const table = (tables[bits] ??= new Int32Array(1 << bits));
  table.fill(0);
  const end = size;
  let nextEmit = 0;
  if (size >= INPUT_MARGIN) {
    const limit = end - INPUT_MARGIN;
    let ip = 1;
    let nextHash = hash(view.getInt32(ip, true), shift);
    outer: for (;;) {
      let skip = 32;
      let nextIp = ip;
      let candidate: number;
      do {
        ip = nextIp;
        const h = nextHash;
        nextIp = ip + (skip >>> 5);
        skip++;
        // As the reference: stop before a lookup past the limit (DataView reads are bounds-checked).
        if (nextIp > limit) break outer;
        nextHash = hash(view.getInt32(nextIp, true), shift);
        candidate = table[h] as number;
        table[h] = ip;
      } while (ip - candidate > MAX_OFFSET || view.getInt32(ip, true) !== view.getInt32(candidate, true));

      op = emitLiteral(input, nextEmit, ip - nextEmit, output, op);
      do {
        const base = ip;
        let matched = 4;
        // Four bytes at a time while they fit, then bytewise.
        while (ip + matched + 4 <= end && view.getInt32(ip + matched, true) === view.getInt32(candidate + matched, true)) {
          matched += 4;
        }
        while (ip + matched < end && input[ip + matched] === input[candidate + matched]) matched++;
        ip += matched;
        op = emitCopy(output, op, base - candidate, matched);
        nextEmit = ip;
        if (ip >= limit) break outer;
        table[hash(view.getInt32(ip - 1, true), shift)] = ip - 1;
        const h = hash(view.getInt32(ip, true), shift);
        candidate = table[h] as number;
        table[h] = ip;
      } while (ip - candidate <= MAX_OFFSET && view.getInt32(ip, true) === view.getInt32(candidate, true));
      ip++;
      nextHash = hash(view.getInt32(ip, true), shift);
    }
  }
  emitted = nextEmit;
  return op;
}

function emitLiteral(input: Uint8Array, ip: number, len: number, output: Uint8Array, op: number): number {
  if (len <= 60) {
    output[op++] = (len - 1) << 2;
  } else {
    // 60..63: the length - 1 follows in 1..4 little-endian bytes.
    const value = len - 1;
    const bytes = value < 0x100 ? 1 : value < 0x10000 ? 2 : value < 0x1000000 ? 3 : 4;
    output[op++] = (59 + bytes) << 2;
    for (let i = 0; i < bytes; i++) output[op++] = (value >>> (8 * i)) & 0xff;
  }
  if (len < 16) {
    for (let i = 0; i < len; i++) output[op + i] = input[ip + i] as number;
  } else {
    output.set(input.subarray(ip, ip + len), op);
  }
  return op + len;
}

function emitCopyUpTo64(output: Uint8Array, op: number, offset: number, len: number): number {
  if (len < 12 && offset < 2048) {
    output[op++] = 1 + ((len - 4) << 2) + ((offset >>> 8) << 5);
    output[op++] = offset & 0xff;
  } else {
    output[op++] = 2 + ((len - 1) << 2);
    output[op++] = offset & 0xff;
    output[op++] = offset >>> 8;
  }
  return op;
}

function emitCopy(output: Uint8Array, op: number, offset: number, len: number): number {
  while (len >= 68) {
    op = emitCopyUpTo64(output, op, offset, 64);
    len -= 64;
  }
  if (len > 64) {
    op = emitCopyUpTo64(output, op, offset, 60);
    len -= 60;
  }
  return emitCopyUpTo64(output, op, offset, len);
}
