import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { DataRecord, RejectedRecord } from '@sluice/core';
import { ByteWriter, ParquetWriter } from './vendor/hyparquet-writer.js';
import { EMPTY } from './json-batch.js';
import { isRecord } from './json-text.js';
import type { ParquetColumnType, ParquetOptions } from './options.js';
import { ByteSink } from './parquet-bytes.js';
import { ChunkScratch, writeColumnChunk, type Codec, type Compressor, type RowGroup } from './parquet-chunk.js';
import { ColumnBuffer } from './parquet-column-buffer.js';
import {
  MISFIT,
  columnElement,
  declaredColumn,
  describeValue,
  inferColumns,
  inferredColumn,
  type ParquetColumn,
  type SchemaElementLike,
} from './parquet-columns.js';
import { snappyCompress } from './parquet-snappy.js';
import type { EncodeResult, RecordEncoder } from './types.js';

type WriterOptions = ConstructorParameters<typeof ParquetWriter>[0];

const CODECS: Record<ParquetOptions['compression'], { codec: Codec; compress: Compressor | undefined }> = {
  snappy: { codec: 'SNAPPY', compress: snappyCompress },
  gzip: { codec: 'GZIP', compress: (input, out) => out.bytes(gzipSync(input)) },
  brotli: { codec: 'BROTLI', compress: (input, out) => out.bytes(brotliCompressSync(input)) },
  uncompressed: { codec: 'UNCOMPRESSED', compress: undefined },
};

/**
 * Parquet, one row group at a time. Each record's cells are encoded into
 * per-column buffers as it arrives (parquet-column-buffer.ts: PLAIN bytes or
 * dictionary indexes), up to `row_group_size` rows or about `row_group_bytes`;
 * then the group's pages are written (parquet-chunk.ts) and handed out at
 * once, so memory holds one encoded row group, never the file. hyparquet-writer
 * writes the file header and, from `end()`, the Thrift footer.
 *
 * An inferred column that has had only nulls stays undecided until its first
 * value: a chunk of nulls is only definition levels, the same bytes whatever
 * the type, and the footer (schema and chunk types) is written last, so the
 * chunks written before the value are typed there (`end()`).
 */
export class ParquetEncoder implements RecordEncoder {
  readonly format = 'parquet';
  readonly contentType = 'application/vnd.apache.parquet';
  readonly extension = 'parquet';
  readonly #options: ParquetOptions;
  #records = 0;
  #columns: ParquetColumn[] | undefined;
  #index = new Map<string, number>();
  /** The current row group, encoded as it fills, one buffer per column. */
  #buffers: ColumnBuffer[] = [];
  /** Scratch row: a record is validated whole before any cell is buffered. */
  #row: unknown[] = [];
  #buffered = 0;
  /** Estimated bytes of the buffered cells (string length, 8 per number). */
  #bufferedBytes = 0;
  #names: string[] = [];
  /** Where hyparquet-writer puts the header and the footer. */
  #sink = new ByteWriter();
  #writer: ParquetWriter | undefined;
  /** Bytes not yet handed out. */
  #out = new ByteSink(256 * 1024);
  /** Bytes handed out so far: the file position of `#out`'s first byte. */
  #written = 0;
  #scratch = new ChunkScratch();
  #ended = false;

  constructor(options: ParquetOptions) {
    this.#options = options;
    if (options.columns) {
      const names = new Set<string>();
      for (const { name } of options.columns) {
        if (names.has(name)) throw new Error(`parquet: column "${name}" is declared twice`);
        names.add(name);
      }
      this.#setColumns(options.columns.map((c) => declaredColumn(c.name, c.type, c.nullable)));
    }
  }

  get records(): number {
    return this.#records;
  }

  write(batch: readonly DataRecord[]): EncodeResult {
    if (this.#ended) throw new Error('parquet encoder: write() after end()');
    const rejected: RejectedRecord[] = [];
    if (!this.#columns) {
      if (batch.length === 0) return { bytes: EMPTY, rejected };
      this.#setColumns(inferColumns(batch));
    }
    const columns = this.#columns as ParquetColumn[];
    const groupSize = this.#options.row_group_size;
    const groupBytes = this.#options.row_group_bytes;
    let out: Uint8Array[] | undefined;
    for (const record of batch) {
      const error = this.#stage(record, columns);
      if (error) {
        rejected.push({ record, error });
        continue;
      }
      const buffers = this.#buffers;
      const row = this.#row;
      for (let i = 0; i < buffers.length; i++) {
        const cell = row[i];
        if (cell === null) (buffers[i] as ColumnBuffer).addNull();
        else (buffers[i] as ColumnBuffer).add(cell);
      }
      this.#records++;
      if (++this.#buffered >= groupSize || this.#bufferedBytes >= groupBytes) (out ??= []).push(this.#flushGroup());
    }
    // The scratch row must not keep the last record's strings (often slices of a whole input chunk) alive.
    this.#row.fill(null);
    if (!out) return { bytes: EMPTY, rejected };
    return { bytes: out.length === 1 ? (out[0] as Uint8Array) : Buffer.concat(out), rejected };
  }

  end(): Uint8Array {
    if (this.#ended) return EMPTY;
    this.#ended = true;
    // Nothing ever told us a schema: the file still needs one, so it has no columns.
    if (!this.#columns) this.#setColumns([]);
    if (this.#buffered > 0) this.#encodeGroup();
    const writer = this.#openWriter();
    // Columns decided after the first row group: the schema, and the chunks
    // written while they had only nulls, take their final types.
    const elements = (this.#columns as ParquetColumn[]).map(columnElement);
    writer.schema = [writer.schema[0], ...elements] as WriterOptions['schema'];
    for (const group of writer.row_groups) {
      group.columns.forEach((chunk, i) => {
        if (chunk.meta_data) chunk.meta_data.type = (elements[i] as SchemaElementLike).type as typeof chunk.meta_data.type;
      });
    }
    // The sink is synchronous (no flush hook), so finish() returns no promise.
    void writer.finish();
    this.#takeSink();
    return this.#take();
  }

  #setColumns(columns: ParquetColumn[]): void {
    this.#columns = columns;
    this.#index = new Map(columns.map((c, i) => [c.name, i]));
    this.#buffers = columns.map((c) => new ColumnBuffer(c.type ?? 'string'));
    this.#row = new Array<unknown>(columns.length);
    this.#names = columns.map((c) => c.name);
  }

  /** Validates a record into the scratch row; returns why it does not fit, if it does not. */
  #stage(record: DataRecord, columns: ParquetColumn[]): Error | undefined {
    if (!isRecord(record)) return new TypeError('record is not an object');
    const row = this.#row;
    let size = 0;
    /** Undecided columns this record's values decide, taken only if the record fits. */
    let decided: ParquetColumn[] | undefined;
    for (let i = 0; i < columns.length; i++) {
      let column = columns[i] as ParquetColumn;
      const value = record[column.name];
      if (value === null || value === undefined) {
        if (!column.nullable) return new Error(`field "${column.name}" is null but its column is not nullable`);
        row[i] = null;
        continue;
      }
      // Strings (everything a CSV source yields) skip the coercion call.
      if (typeof value === 'string' && column.type === 'string') {
        row[i] = value;
        size += value.length;
        continue;
      }
      let cell = column.coerce(value);
      if (cell === MISFIT && column.type === undefined) {
        column = inferredColumn(column.name, value);
        cell = column.coerce(value);
        (decided ??= [])[i] = column;
      }
      if (cell === MISFIT) {
        return new Error(`field "${column.name}": ${describeValue(value)} does not fit a ${column.type} column`);
      }
      row[i] = cell;
      size += typeof cell === 'string' ? cell.length : cell instanceof Uint8Array ? cell.length : 8;
    }
    // Records usually list their fields in column order: compare by position
    // before looking the name up.
    const names = this.#names;
    let k = 0;
    for (const key in record) {
      if (key === names[k]) {
        k++;
        continue;
      }
      if (!this.#index.has(key) && record[key] !== null && record[key] !== undefined) {
        return new Error(`field "${key}" is not a column of this Parquet file`);
      }
    }
    this.#bufferedBytes += size;
    if (decided) decided.forEach((column, i) => this.#decide(i, column));
    return undefined;
  }

  /** Types an undecided column: its buffer so far is nulls, which any type holds. */
  #decide(i: number, column: ParquetColumn): void {
    (this.#columns as ParquetColumn[])[i] = column;
    const nulls = (this.#buffers[i] as ColumnBuffer).rows;
    const buffer = new ColumnBuffer(column.type as ParquetColumnType);
    for (let r = 0; r < nulls; r++) buffer.addNull();
    this.#buffers[i] = buffer;
  }

  #openWriter(): ParquetWriter {
    if (this.#writer) return this.#writer;
    const columns = this.#columns as ParquetColumn[];
    const root: SchemaElementLike = { name: 'root', num_children: columns.length };
    this.#writer = new ParquetWriter({
      writer: this.#sink,
      schema: [root, ...columns.map(columnElement)] as WriterOptions['schema'],
      codec: CODECS[this.#options.compression].codec,
      createdBy: 'sluice (@sluice/formats, hyparquet-writer)',
    });
    this.#takeSink(); // the PAR1 magic
    return this.#writer;
  }

  /** Encodes the buffered rows as one row group and returns the bytes ready so far. */
  #flushGroup(): Uint8Array {
    this.#encodeGroup();
    return this.#take();
  }

  #encodeGroup(): void {
    const writer = this.#openWriter();
    const columns = this.#columns as ParquetColumn[];
    const { codec, compress } = CODECS[this.#options.compression];
    const target = { out: this.#out, fileOffset: this.#written, codec, compress };
    const start = this.#written + this.#out.pos;
    const chunks: RowGroup['columns'] = [];
    let uncompressed = 0n;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as ParquetColumn;
      const buffer = this.#buffers[i] as ColumnBuffer;
      const chunk = writeColumnChunk(target, column, columnElement(column), buffer, this.#scratch);
      buffer.reset();
      uncompressed += chunk.meta_data?.total_uncompressed_size ?? 0n;
      chunks.push(chunk);
    }
    const rows = BigInt(this.#buffered);
    writer.row_groups.push({
      columns: chunks,
      total_byte_size: uncompressed,
      num_rows: rows,
      file_offset: BigInt(start),
      total_compressed_size: BigInt(this.#written + this.#out.pos - start),
      ordinal: writer.row_groups.length,
    });
    writer.num_rows += rows;
    this.#buffered = 0;
    this.#bufferedBytes = 0;
  }

  /** Moves what hyparquet-writer wrote (header or footer) to the output. */
  #takeSink(): void {
    const sink = this.#sink;
    if (sink.index === 0) return;
    this.#out.bytes(new Uint8Array(sink.buffer, 0, sink.index));
    sink.index = 0;
  }

  /** Hands out the pending bytes. */
  #take(): Uint8Array {
    if (this.#out.pos === 0) return EMPTY;
    const bytes = this.#out.take();
    this.#written += bytes.length;
    return bytes;
  }
}
