import { ByteSink, bitWidth } from './parquet-bytes.js';
import type { ParquetColumnType } from './options.js';
import { compareBytes, compareUtf8, orderSensitive, type ChunkStatistics } from './parquet-stats.js';

/** Values per page stop growing once the page holds about this many bytes (as parquet-mr and hyparquet-writer). */
export const PAGE_BYTES = 1024 * 1024;
/** A dictionary above about this many bytes falls back to PLAIN for the chunk (parquet-mr's default). */
export const DICTIONARY_BYTES = 1024 * 1024;
/** After this many values, a dictionary holding more than 90 % distinct values is dropped. */
const PROBE = 1024;

/**
 * One column of the row group being filled, already encoded: cells become
 * PLAIN bytes (or dictionary indexes) as they arrive, so the row group holds
 * bytes, not the records' strings and objects, and those die young.
 */
export class ColumnBuffer {
  readonly type: ParquetColumnType;
  rows = 0;
  nulls = 0;
  /** Definition levels: 1 present, 0 null. */
  levels = new Uint8Array(1024);
  /** PLAIN values (when not dictionary-encoded). */
  readonly values = new ByteSink(16 * 1024);
  /** Row and byte positions where PLAIN pages end (the last page ends at `rows` / `values.pos`). */
  pageRows: number[] = [];
  pageBytes: number[] = [];
  #pageStart = 0;
  /** Dictionary state of a string column; undefined once it fell back to PLAIN. */
  dictionary: Dictionary | undefined;
  /** Booleans written so far (PLAIN packs 8 per byte). */
  #bits = 0;
  #min: unknown = undefined;
  #max: unknown = undefined;
  /** Whether min / max hold a string where UTF-16 order differs from byte order. */
  #minSensitive = false;
  #maxSensitive = false;
  #nan = 0;

  constructor(type: ParquetColumnType) {
    this.type = type;
    this.dictionary = type === 'string' ? new Dictionary() : undefined;
  }

  addNull(): void {
    this.#level(0);
    this.nulls++;
  }

  /** Adds a coerced, non-null cell. */
  add(cell: unknown): void {
    this.#level(1);
    switch (this.type) {
      case 'string': {
        const text = cell as string;
        const dictionary = this.dictionary;
        if (dictionary !== undefined) {
          if (dictionary.add(text)) return;
          // This row's value is not in the dictionary: replay the rows before it.
          this.#dropDictionary(dictionary, this.rows - 1);
        }
        this.#string(text);
        break;
      }
      case 'double':
        this.#double(cell as number);
        break;
      case 'int64': {
        const values = this.values;
        values.ensure(8);
        values.view.setBigInt64(values.pos, cell as bigint, true);
        values.pos += 8;
        this.#ordered(cell as bigint);
        break;
      }
      case 'timestamp': {
        const time = (cell as Date).getTime();
        int64FromNumber(this.values, time);
        this.#ordered(time);
        break;
      }
      case 'int32': {
        const values = this.values;
        values.ensure(4);
        values.view.setInt32(values.pos, cell as number, true);
        values.pos += 4;
        this.#ordered(cell as number);
        break;
      }
      case 'boolean': {
        const values = this.values;
        const bit = this.#bits++ & 7;
        if (bit === 0) values.u8(0);
        if (cell) values.buf[values.pos - 1] = (values.buf[values.pos - 1] as number) | (1 << bit);
        this.#ordered(cell as boolean);
        // Booleans stay one page: 8 M values fit in 1 MiB.
        return;
      }
      case 'json':
      case 'binary': {
        const bytes = cell as Uint8Array;
        const values = this.values;
        values.ensure(4 + bytes.length);
        values.view.setUint32(values.pos, bytes.length, true);
        values.buf.set(bytes, values.pos + 4);
        values.pos += 4 + bytes.length;
        // JSON text has no useful order: no min/max.
        if (this.type === 'binary') this.#binary(bytes);
        break;
      }
    }
    this.#pageBreak();
  }

  /**
   * The chunk's statistics (min/max as hyparquet-writer's footer writer takes
   * them). Call after the pages are written: a dictionary's order needs to
   * know whether the page writer met non-ASCII entries.
   */
  statistics(): ChunkStatistics {
    const stats: ChunkStatistics = { min_value: this.#min, max_value: this.#max, null_count: BigInt(this.nulls) };
    if (this.dictionary !== undefined) {
      const [min, max] = this.dictionary.bounds();
      stats.min_value = min;
      stats.max_value = max;
    }
    if (this.type === 'double') {
      stats.nan_count = BigInt(this.#nan);
      // The spec: a zero min is written -0, a zero max +0.
      if (stats.min_value === 0) stats.min_value = -0;
      if (stats.max_value === 0) stats.max_value = 0;
    }
    return stats;
  }

  /**
   * Called before the chunk is written: keeps the dictionary only if it pays
   * (dictionary plus indexes at most 3/4 of the PLAIN bytes).
   */
  settle(): void {
    const dictionary = this.dictionary;
    if (dictionary === undefined) return;
    const indexBytes = (dictionary.count * bitWidth(dictionary.entries.length - 1)) / 8;
    if (dictionary.count === 0 || dictionary.bytes + indexBytes > dictionary.plainBytes * 0.75) {
      this.#dropDictionary(dictionary, this.rows);
    }
  }

  /** Empties the buffer for the next row group; memory is kept. */
  reset(): void {
    this.rows = 0;
    this.nulls = 0;
    this.values.pos = 0;
    this.pageRows = [];
    this.pageBytes = [];
    this.#pageStart = 0;
    this.#bits = 0;
    this.#min = this.#max = undefined;
    this.#minSensitive = this.#maxSensitive = false;
    this.#nan = 0;
    this.dictionary = this.type === 'string' ? new Dictionary() : undefined;
  }

  #level(level: number): void {
    if (this.rows === this.levels.length) {
      const grown = new Uint8Array(this.levels.length * 2);
      grown.set(this.levels);
      this.levels = grown;
    }
    this.levels[this.rows++] = level;
  }

  #pageBreak(): void {
    if (this.values.pos - this.#pageStart < PAGE_BYTES) return;
    this.pageRows.push(this.rows);
    this.pageBytes.push(this.values.pos);
    this.#pageStart = this.values.pos;
  }

  /**
   * Re-encodes the first `replay` rows as PLAIN; the rest of the chunk goes
   * PLAIN too. Levels say which rows had a value, the indexes which one.
   */
  #dropDictionary(dictionary: Dictionary, replay: number): void {
    this.dictionary = undefined;
    const { entries, indexes } = dictionary;
    const rows = this.rows;
    this.rows = 0;
    let k = 0;
    for (let r = 0; r < replay; r++) {
      this.rows++;
      if (this.levels[r] === 0) continue;
      this.#string(entries[indexes[k++] as number] as string);
      this.#pageBreak();
    }
    this.rows = rows;
  }

  #string(text: string): void {
    const written = this.values.utf8Value(text);
    const sensitive = written !== text.length && orderSensitive(text);
    const min = this.#min as string | undefined;
    const max = this.#max as string | undefined;
    if (min === undefined || max === undefined) {
      this.#min = this.#max = text;
      this.#minSensitive = this.#maxSensitive = sensitive;
      return;
    }
    // Native `<` is byte order unless a surrogate or U+E000..U+FFFF is involved.
    if (sensitive || this.#minSensitive ? compareUtf8(text, min) < 0 : text < min) {
      this.#min = text;
      this.#minSensitive = sensitive;
    } else if (sensitive || this.#maxSensitive ? compareUtf8(text, max) > 0 : text > max) {
      this.#max = text;
      this.#maxSensitive = sensitive;
    }
  }

  #double(value: number): void {
    const values = this.values;
    values.ensure(8);
    values.view.setFloat64(values.pos, value, true);
    values.pos += 8;
    if (value !== value) {
      this.#nan++;
      return;
    }
    const min = this.#min as number | undefined;
    const max = this.#max as number | undefined;
    if (min === undefined || value < min) this.#min = value;
    if (max === undefined || value > max) this.#max = value;
  }

  #ordered(value: number | bigint | boolean): void {
    const min = this.#min as number | bigint | boolean | undefined;
    const max = this.#max as number | bigint | boolean | undefined;
    if (min === undefined || value < min) this.#min = value;
    if (max === undefined || value > max) this.#max = value;
  }

  #binary(value: Uint8Array): void {
    const min = this.#min as Uint8Array | undefined;
    const max = this.#max as Uint8Array | undefined;
    if (min === undefined || compareBytes(value, min) < 0) this.#min = value;
    if (max === undefined || compareBytes(value, max) > 0) this.#max = value;
  }
}

/** A string column's dictionary while it is worth keeping. */
export class Dictionary {
  readonly map = new Map<string, number>();
  readonly entries: string[] = [];
  indexes = new Int32Array(1024);
  /** Values added (non-null). */
  count = 0;
  /** Estimated bytes of the dictionary page and of the same values as PLAIN. */
  bytes = 0;
  plainBytes = 0;
  #last: string | undefined;
  #lastIndex = 0;

  /** Adds a value; false when the dictionary stops paying: then the value was not added and the dictionary must be dropped. */
  add(text: string): boolean {
    // Nearly every value distinct so far: a dictionary only adds work.
    if (this.count === PROBE && this.entries.length > PROBE * 0.9) return false;
    // Runs of one value (a status a rule filtered on) skip hashing the string.
    let index = text === this.#last ? this.#lastIndex : this.map.get(text);
    if (index === undefined) {
      index = this.entries.length;
      this.entries.push(text);
      this.map.set(text, index);
      this.bytes += text.length + 4;
      if (this.bytes > DICTIONARY_BYTES) return false;
    }
    if (this.count === this.indexes.length) {
      const grown = new Int32Array(this.count * 2);
      grown.set(this.indexes);
      this.indexes = grown;
    }
    this.indexes[this.count++] = index;
    this.#last = text;
    this.#lastIndex = index;
    this.plainBytes += text.length + 4;
    return true;
  }

  /**
   * Whether an entry has a character where UTF-16 and UTF-8 order differ; set
   * by whoever encodes the entries (it sees which ones are not ASCII).
   */
  sensitive = false;

  /** Min and max entry in UTF-8 byte order. */
  bounds(): [string | undefined, string | undefined] {
    const entries = this.entries;
    const sensitive = this.sensitive;
    let min = entries[0];
    let max = entries[0];
    for (let i = 1; i < entries.length; i++) {
      const entry = entries[i] as string;
      if (sensitive ? compareUtf8(entry, min as string) < 0 : entry < (min as string)) min = entry;
      else if (sensitive ? compareUtf8(entry, max as string) > 0 : entry > (max as string)) max = entry;
    }
    return [min, max];
  }
}

/** Writes a safe integer as a little-endian int64. */
function int64FromNumber(values: ByteSink, value: number): void {
  values.ensure(8);
  const high = Math.floor(value / 4294967296);
  values.view.setUint32(values.pos, value - high * 4294967296, true);
  values.view.setInt32(values.pos + 4, high, true);
  values.pos += 8;
}
