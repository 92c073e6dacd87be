import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { DataRecord, RejectedRecord } from '@sluice/core';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { EMPTY } from './json-batch.js';
import { isRecord } from './json-text.js';
import type { ParquetOptions } from './options.js';
import {
  MISFIT,
  columnElements,
  describeValue,
  inferColumns,
  parquetColumn,
  type ParquetColumn,
  type SchemaElementLike,
} from './parquet-columns.js';
import type { EncodeResult, RecordEncoder } from './types.js';

type WriterOptions = ConstructorParameters<typeof ParquetWriter>[0];
type ColumnSources = Parameters<ParquetWriter['write']>[0]['columnData'];

const CODECS = {
  snappy: { codec: 'SNAPPY', compressors: undefined },
  gzip: { codec: 'GZIP', compressors: { GZIP: (input: Uint8Array) => gzipSync(input) } },
  brotli: { codec: 'BROTLI', compressors: { BROTLI: (input: Uint8Array) => brotliCompressSync(input) } },
  uncompressed: { codec: 'UNCOMPRESSED', compressors: undefined },
} as const;

/**
 * Parquet, one row group at a time. Rows are buffered column-wise up to
 * `row_group_size` rows or about `row_group_bytes`; each full group is encoded
 * and handed out at once, so memory holds one row group, never the file. The
 * footer comes from `end()`.
 */
export class ParquetEncoder implements RecordEncoder {
  readonly format = 'parquet';
  readonly contentType = 'application/vnd.apache.parquet';
  readonly extension = 'parquet';
  readonly #options: ParquetOptions;
  #records = 0;
  #columns: ParquetColumn[] | undefined;
  #index = new Map<string, number>();
  /** Buffered cells of the current row group, one array per column. */
  #cells: unknown[][] = [];
  #buffered = 0;
  /** Estimated bytes of the buffered cells (string length, 8 per number). */
  #bufferedBytes = 0;
  /** Scratch row: a record is validated whole before any cell is buffered. */
  #row: unknown[] = [];
  #sink = new ByteWriter();
  #writer: ParquetWriter | undefined;
  #footerSchema: SchemaElementLike[] = [];
  #ended = false;

  constructor(options: ParquetOptions) {
    this.#options = options;
    if (options.columns) {
      const names = new Set<string>();
      for (const { name } of options.columns) {
        if (names.has(name)) throw new Error(`parquet: column "${name}" is declared twice`);
        names.add(name);
      }
      this.#setColumns(options.columns.map((c) => parquetColumn(c.name, c.type, c.nullable)));
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
      for (let i = 0; i < columns.length; i++) (this.#cells[i] as unknown[]).push(this.#row[i]);
      this.#records++;
      if (++this.#buffered >= groupSize || this.#bufferedBytes >= groupBytes) (out ??= []).push(this.#flushGroup());
    }
    if (!out) return { bytes: EMPTY, rejected };
    return { bytes: out.length === 1 ? (out[0] as Uint8Array) : Buffer.concat(out), rejected };
  }

  end(): Uint8Array {
    if (this.#ended) return EMPTY;
    this.#ended = true;
    // Nothing ever told us a schema: the file still needs one, so it has no columns.
    if (!this.#columns) this.#setColumns([]);
    const head = this.#buffered > 0 ? this.#flushGroup() : this.#drain();
    const writer = this.#openWriter();
    // json cells went in as pre-encoded bytes (see columnElements); the footer
    // is where they get their JSON annotation.
    writer.schema = this.#footerSchema as WriterOptions['schema'];
    void writer.finish();
    const tail = this.#drain();
    return head.length === 0 ? tail : Buffer.concat([head, tail]);
  }

  #setColumns(columns: ParquetColumn[]): void {
    this.#columns = columns;
    this.#index = new Map(columns.map((c, i) => [c.name, i]));
    this.#cells = columns.map(() => []);
    this.#row = new Array<unknown>(columns.length);
  }

  /** Validates a record into the scratch row; returns why it does not fit, if it does not. */
  #stage(record: DataRecord, columns: ParquetColumn[]): Error | undefined {
    if (!isRecord(record)) return new TypeError('record is not an object');
    let size = 0;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as ParquetColumn;
      const value = record[column.name];
      if (value === null || value === undefined) {
        if (!column.nullable) return new Error(`field "${column.name}" is null but its column is not nullable`);
        this.#row[i] = null;
        continue;
      }
      const cell = column.coerce(value);
      if (cell === MISFIT) {
        return new Error(`field "${column.name}": ${describeValue(value)} does not fit a ${column.type} column`);
      }
      this.#row[i] = cell;
      size += typeof cell === 'string' ? cell.length : cell instanceof Uint8Array ? cell.length : 8;
    }
    for (const key in record) {
      if (!this.#index.has(key) && record[key] !== null && record[key] !== undefined) {
        return new Error(`field "${key}" is not a column of this Parquet file`);
      }
    }
    this.#bufferedBytes += size;
    return undefined;
  }

  #openWriter(): ParquetWriter {
    if (this.#writer) return this.#writer;
    const columns = this.#columns as ParquetColumn[];
    const elements = columns.map(columnElements);
    const root = { name: 'root', num_children: columns.length };
    this.#footerSchema = [root, ...elements.map((e) => e.footer)];
    const { codec, compressors } = CODECS[this.#options.compression];
    this.#writer = new ParquetWriter({
      writer: this.#sink,
      schema: [root, ...elements.map((e) => e.write)] as WriterOptions['schema'],
      codec,
      compressors,
      createdBy: 'sluice (@sluice/formats, hyparquet-writer)',
    });
    return this.#writer;
  }

  /** Encodes the buffered rows as one row group and returns its bytes. */
  #flushGroup(): Uint8Array {
    const writer = this.#openWriter();
    const columns = this.#columns as ParquetColumn[];
    // JSON text has no useful order and the writer would truncate its bounds
    // into invalid JSON: no min/max for json columns.
    const columnData = columns.map((c, i) => ({
      name: c.name,
      data: this.#cells[i] as unknown[],
      statistics: c.type !== 'json',
    }));
    // The sink is synchronous (no flush hook), so write() returns no promise.
    void writer.write({ columnData: columnData as ColumnSources, rowGroupSize: this.#buffered });
    this.#cells = columns.map(() => []);
    this.#buffered = 0;
    this.#bufferedBytes = 0;
    return this.#drain();
  }

  /** Takes the bytes the writer produced so far; `offset` keeps counting file positions. */
  #drain(): Uint8Array {
    const sink = this.#sink;
    if (sink.index === 0) return EMPTY;
    const bytes = new Uint8Array(sink.buffer.slice(0, sink.index));
    sink.index = 0;
    return bytes;
  }
}
