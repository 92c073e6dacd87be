import { isAscii } from 'node:buffer';
import type { DataRecord } from '@sluice/core';
import type { ByteLineScanner } from './byte-lines.js';
import { converterFor, INVALID } from './convert.js';
import type { PackedRecords } from './parallel-protocol.js';
import type { ColumnType } from './types.js';

/**
 * Collects a range's records as UTF-8 bytes and value spans, to be sent to
 * the main thread without copying (the buffers are transferred) and turned
 * into records there by {@link recordUnpacker}. A plain line is copied whole,
 * once; its values are spans into it.
 */
export class BytePacker {
  private bytes: Buffer;
  private length = 0;
  private spans: Int32Array;
  private used = 0;
  private rows = 0;

  constructor(
    private readonly keys: readonly string[],
    initialBytes: number,
    /** Declared column types, converted when the records are built. */
    private readonly types?: Readonly<Record<string, ColumnType>>,
  ) {
    this.bytes = Buffer.allocUnsafeSlow(Math.max(1024, initialBytes));
    this.spans = new Int32Array(Math.max(64, keys.length * 1024));
  }

  /** The plain line `buf[pos, scan.contentEnd)` whose fields `scan` holds. */
  line(buf: Buffer, pos: number, scan: ByteLineScanner): void {
    const size = scan.contentEnd - pos;
    const count = scan.count;
    this.reserve(size, count);
    const base = this.length - pos;
    buf.copy(this.bytes, this.length, pos, scan.contentEnd);
    this.length += size;
    const spans = this.spans;
    let at = this.used;
    const { starts, ends, escaped } = scan;
    for (let k = 0; k < count; k++) {
      const start = starts[k]! + base;
      spans[at++] = escaped[k] === 1 ? ~start : start;
      spans[at++] = ends[k]! + base;
    }
    this.used = at;
    this.rows++;
  }

  /** Records given as values (from the tokenizer), `keys.length` per record. */
  values(values: readonly string[]): void {
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      this.reserve(value.length * 3, 1);
      const written = this.bytes.write(value, this.length, 'utf8');
      this.spans[this.used++] = this.length;
      this.spans[this.used++] = this.length + written;
      this.length += written;
    }
    this.rows += values.length / this.keys.length;
  }

  /** What was collected, over buffers that are then transferred: a packer serves one range. */
  take(): PackedRecords {
    return {
      keys: this.keys,
      ...(this.types === undefined ? {} : { types: this.types }),
      count: this.rows,
      bytes: new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.length),
      spans: this.spans.subarray(0, this.used),
    };
  }

  private reserve(bytes: number, values: number): void {
    if (this.length + bytes > this.bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.length + bytes));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    if (this.used + 2 * values > this.spans.length) {
      const grown = new Int32Array(Math.max(this.spans.length * 2, this.used + 2 * values));
      grown.set(this.spans.subarray(0, this.used));
      this.spans = grown;
    }
  }
}

type Builder = (value: (k: number) => string, typed: (column: number, text: string) => unknown, first: number, count: number) => DataRecord[];
const builders = new Map<string, Builder>();

/**
 * The records of packed bytes, built `count` at a time from record `first`
 * on (so a caller can build them as it hands them on, and records waiting
 * for their turn stay compact bytes), through an object literal compiled
 * once per key list: every record gets one hidden class, as a parsed one
 * would. ASCII bytes (the common case) become one string, decoded once,
 * that values are sliced from; otherwise each value is decoded on its own
 * (the bytes of a value start and end at ASCII delimiters or quotes, so it
 * decodes exactly as it would inside the whole text). The keys never
 * include `__proto__`.
 */
export function recordUnpacker(packed: PackedRecords): (first: number, count: number) => DataRecord[] {
  const types = packed.types ?? {};
  const converters = packed.keys.map((key) => (Object.hasOwn(types, key) ? converterFor(types[key]!) : undefined));
  const id = JSON.stringify([packed.keys, converters.map((c) => c !== undefined)]);
  let build = builders.get(id);
  if (build === undefined) {
    const fields = packed.keys
      .map((key, i) => `${JSON.stringify(key)}: ${converters[i] === undefined ? 'value(k++)' : `typed(${i}, value(k++))`}`)
      .join(', ');
    build = new Function(
      'value',
      'typed',
      'first',
      'count',
      `const out = new Array(count); let k = first * ${packed.keys.length}; for (let r = 0; r < count; r++) out[r] = { ${fields} }; return out;`,
    ) as Builder;
    builders.set(id, build);
  }
  const bytes = Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset, packed.bytes.length);
  const spans = packed.spans;
  let value: (k: number) => string;
  if (isAscii(bytes)) {
    const text = bytes.toString('latin1');
    value = (k) => {
      const start = spans[2 * k]!;
      return start >= 0 ? text.slice(start, spans[2 * k + 1]) : text.slice(~start, spans[2 * k + 1]).replaceAll('""', '"');
    };
  } else {
    value = (k) => {
      const start = spans[2 * k]!;
      return start >= 0 ? bytes.toString('utf8', start, spans[2 * k + 1]) : bytes.toString('utf8', ~start, spans[2 * k + 1]).replaceAll('""', '"');
    };
  }
  const typed = (column: number, text: string): unknown => {
    const converted = converters[column]!(text);
    // The reader converted this value before packing it: the same function cannot refuse it now.
    if (converted === INVALID) throw new Error(`packed CSV value ${JSON.stringify(text)} of column "${packed.keys[column]}" does not convert`);
    return converted;
  };
  return (first, count) => build(value, typed, first, count);
}
