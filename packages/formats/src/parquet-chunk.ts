import type { ParquetWriter } from 'hyparquet-writer';
import { ByteSink, bitWidth, writeHybrid } from './parquet-bytes.js';
import type { ParquetColumn, SchemaElementLike } from './parquet-columns.js';
import { ENCODING, dataPageV2Header, dictionaryPageHeader } from './parquet-page-header.js';
import { chunkStatistics, orderSensitive } from './parquet-stats.js';

/** A row group as hyparquet-writer's footer writer takes it. */
export type RowGroup = ParquetWriter['row_groups'][number];
type ColumnChunk = RowGroup['columns'][number];
type Codec = 'SNAPPY' | 'GZIP' | 'BROTLI' | 'UNCOMPRESSED';

/** Compresses `input` and appends the result to `out`. */
export type Compressor = (input: Uint8Array, out: ByteSink) => void;

/** Values per page stop growing once the page holds about this many bytes (as parquet-mr and hyparquet-writer). */
const PAGE_BYTES = 1024 * 1024;
/** Dictionary-encoded rows per page: the indexes are small, this only bounds a huge row group. */
const DICTIONARY_PAGE_ROWS = 128 * 1024;
/** A dictionary above about this many bytes falls back to PLAIN for the chunk (parquet-mr's default). */
export const DICTIONARY_BYTES = 1024 * 1024;
/** A strided sample of this many values rejects columns that are nearly all distinct cheaply. */
const SAMPLE = 1024;

/** Where and how a column chunk is written. */
export interface ChunkTarget {
  /** Receives the chunk's pages. */
  readonly out: ByteSink;
  /** File position of `out`'s byte 0. */
  readonly fileOffset: number;
  readonly codec: Codec;
  readonly compress: Compressor | undefined;
}

/**
 * Reused scratch memory of one encoder: page values before compression, the
 * compressed page, levels and dictionary indexes.
 */
export class ChunkScratch {
  readonly values = new ByteSink();
  readonly compressed = new ByteSink();
  readonly levelBytes = new ByteSink(4096);
  levels = new Uint8Array(1024);
  indexes = new Int32Array(1024);

  grow(rows: number): void {
    if (this.levels.length < rows) this.levels = new Uint8Array(rows * 2);
    if (this.indexes.length < rows) this.indexes = new Int32Array(rows * 2);
  }
}

interface Dictionary {
  readonly entries: string[];
  readonly indexes: Int32Array;
}

/**
 * Writes one column chunk (optional dictionary page, then DATA_PAGE_V2
 * pages) and returns its footer metadata. `cells` holds one coerced cell per
 * row, null for a missing value.
 */
export function writeColumnChunk(
  target: ChunkTarget,
  column: ParquetColumn,
  element: SchemaElementLike,
  cells: readonly unknown[],
  scratch: ChunkScratch,
): ColumnChunk {
  const { out, fileOffset } = target;
  const rows = cells.length;
  scratch.grow(rows);
  const levels = scratch.levels;
  const nulls = fillLevels(cells, levels);
  const state: PageState = { target, column, levels, scratch, uncompressed: 0, pages: 0, bits: 0, codePointOrder: false };
  const start = out.pos;
  const dictionary = column.type === 'string' ? buildDictionary(cells, rows - nulls, scratch) : undefined;
  let dictionaryOffset: number | undefined;
  if (dictionary) {
    dictionaryOffset = fileOffset + out.pos;
    writeDictionaryPage(state, dictionary.entries);
  }
  const dataOffset = fileOffset + out.pos;
  if (dictionary) writeIndexPages(state, dictionary, rows);
  else writePlainPages(state, cells);
  const nonNull = dictionary ? dictionary.entries : cells;
  const encodings: ('PLAIN' | 'RLE' | 'RLE_DICTIONARY')[] = dictionary ? ['PLAIN', 'RLE_DICTIONARY'] : ['PLAIN'];
  if (column.nullable) encodings.push('RLE');
  const pageEncoding = dictionary ? 'RLE_DICTIONARY' : 'PLAIN';
  return {
    file_offset: BigInt(fileOffset + start),
    meta_data: {
      type: element.type as NonNullable<SchemaElementLike['type']>,
      encodings,
      path_in_schema: [column.name],
      codec: target.codec,
      num_values: BigInt(rows),
      total_uncompressed_size: BigInt(state.uncompressed),
      total_compressed_size: BigInt(out.pos - start),
      data_page_offset: BigInt(dataOffset),
      dictionary_page_offset: dictionaryOffset === undefined ? undefined : BigInt(dictionaryOffset),
      statistics: chunkStatistics(column.type, nonNull, nulls, state.codePointOrder) as never,
      encoding_stats: [
        ...(dictionary ? [{ page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1 }] : []),
        { page_type: 'DATA_PAGE_V2' as const, encoding: pageEncoding, count: state.pages },
      ],
    },
  };
}

// The loops below are small functions of their own: V8 optimizes them once,
// where inlined in the rarely-called chunk writer they kept being deoptimized.

/** Definition levels (1 present, 0 null) of the cells; returns the null count. */
function fillLevels(cells: readonly unknown[], levels: Uint8Array): number {
  let nulls = 0;
  for (let r = 0; r < cells.length; r++) {
    const cell = cells[r];
    if (cell === null || cell === undefined) {
      levels[r] = 0;
      nulls++;
    } else {
      levels[r] = 1;
    }
  }
  return nulls;
}

function countPresent(levels: Uint8Array, from: number, to: number): number {
  let count = 0;
  for (let r = from; r < to; r++) count += levels[r] as number;
  return count;
}

interface PageState {
  readonly target: ChunkTarget;
  readonly column: ParquetColumn;
  readonly levels: Uint8Array;
  readonly scratch: ChunkScratch;
  uncompressed: number;
  pages: number;
  /** Booleans written to the current page (PLAIN packs 8 per byte). */
  bits: number;
  /** Set when a string needs code-point order for min/max. */
  codePointOrder: boolean;
}

/**
 * Dictionary-encodes a string chunk when that pays: not for nearly-unique
 * columns (rejected on a sample), not past {@link DICTIONARY_BYTES}, and only
 * if dictionary plus indexes are at most 3/4 of the PLAIN bytes.
 */
function buildDictionary(cells: readonly unknown[], nonNull: number, scratch: ChunkScratch): Dictionary | undefined {
  if (nonNull === 0) return undefined;
  const rows = cells.length;
  const sampled = Math.min(rows, SAMPLE);
  const seen = new Set<unknown>();
  let sampledValues = 0;
  for (let i = 0; i < sampled; i++) {
    const cell = cells[sampled === 1 ? 0 : Math.floor((i * (rows - 1)) / (sampled - 1))];
    if (cell === null || cell === undefined) continue;
    sampledValues++;
    seen.add(cell);
  }
  if (sampledValues >= 64 && seen.size > sampledValues * 0.9) return undefined;

  const map = new Map<string, number>();
  const entries: string[] = [];
  const indexes = scratch.indexes;
  let dictionaryBytes = 0;
  let plainBytes = 0;
  let k = 0;
  for (let r = 0; r < rows; r++) {
    const cell = cells[r];
    if (typeof cell !== 'string') continue;
    plainBytes += cell.length + 4;
    let index = map.get(cell);
    if (index === undefined) {
      index = entries.length;
      entries.push(cell);
      map.set(cell, index);
      dictionaryBytes += cell.length + 4;
      if (dictionaryBytes > DICTIONARY_BYTES) return undefined;
    }
    indexes[k++] = index;
  }
  const indexBytes = (k * bitWidth(entries.length - 1)) / 8;
  if (dictionaryBytes + indexBytes > plainBytes * 0.75) return undefined;
  return { entries, indexes };
}

function writeDictionaryPage(state: PageState, entries: readonly string[]): void {
  const values = state.scratch.values;
  values.pos = 0;
  for (const entry of entries) writeString(state, values, entry);
  const stored = compressed(state, values);
  const out = state.target.out;
  const headerStart = out.pos;
  dictionaryPageHeader(out, { uncompressed: values.pos, compressed: stored.length }, entries.length);
  state.uncompressed += out.pos - headerStart + values.pos;
  out.bytes(stored);
}

function writeIndexPages(state: PageState, dictionary: Dictionary, rows: number): void {
  const width = bitWidth(dictionary.entries.length - 1);
  const values = state.scratch.values;
  let next = 0;
  for (let from = 0; from < rows; from += DICTIONARY_PAGE_ROWS) {
    const to = Math.min(rows, from + DICTIONARY_PAGE_ROWS);
    const count = countPresent(state.levels, from, to);
    values.pos = 0;
    values.u8(width);
    writeHybrid(values, dictionary.indexes, next, next + count, width);
    next += count;
    writeDataPage(state, from, to, ENCODING.RLE_DICTIONARY);
  }
}

function writePlainPages(state: PageState, cells: readonly unknown[]): void {
  const values = state.scratch.values;
  const write = PLAIN[state.column.type];
  const rows = cells.length;
  let from = 0;
  do {
    values.pos = 0;
    state.bits = 0;
    let r = from;
    while (r < rows && values.pos < PAGE_BYTES) {
      const to = Math.min(rows, r + 256);
      write(state, values, cells, r, to);
      r = to;
    }
    writeDataPage(state, from, r, ENCODING.PLAIN);
    from = r;
  } while (from < rows);
}

/** Emits one DATA_PAGE_V2 for rows [from, to) whose encoded values are in the scratch `values`. */
function writeDataPage(state: PageState, from: number, to: number, encoding: number): void {
  const { target, levels, column } = state;
  const out = target.out;
  const valueBytes = state.scratch.values;
  const nulls = to - from - countPresent(levels, from, to);
  const stored = compressed(state, valueBytes);
  // v2: levels are never compressed and come before the values.
  const levelSink = state.scratch.levelBytes;
  levelSink.pos = 0;
  if (column.nullable) writeHybrid(levelSink, levels, from, to, 1);
  const levelsLength = levelSink.pos;
  const headerStart = out.pos;
  dataPageV2Header(
    out,
    { uncompressed: levelsLength + valueBytes.pos, compressed: levelsLength + stored.length },
    {
      values: to - from,
      nulls,
      rows: to - from,
      encoding,
      levelsLength,
      compressed: target.compress !== undefined,
    },
  );
  state.uncompressed += out.pos - headerStart + levelsLength + valueBytes.pos;
  out.bytes(levelSink.buf.subarray(0, levelsLength));
  out.bytes(stored);
  state.pages++;
}

/** The page's values as stored: compressed into scratch, or the scratch values themselves. */
function compressed(state: PageState, values: ByteSink): Uint8Array {
  const plain = values.buf.subarray(0, values.pos);
  const compress = state.target.compress;
  if (!compress) return plain;
  const sink = state.scratch.compressed;
  sink.pos = 0;
  compress(plain, sink);
  return sink.buf.subarray(0, sink.pos);
}

function writeString(state: PageState, values: ByteSink, text: string): void {
  const written = values.utf8Value(text);
  if (written !== text.length && !state.codePointOrder && orderSensitive(text)) state.codePointOrder = true;
}

type PlainWriter = (state: PageState, values: ByteSink, cells: readonly unknown[], from: number, to: number) => void;

const writeBytes: PlainWriter = (_state, values, cells, from, to) => {
  for (let r = from; r < to; r++) {
    const cell = cells[r];
    if (!(cell instanceof Uint8Array)) continue;
    values.ensure(4 + cell.length);
    values.view.setUint32(values.pos, cell.length, true);
    values.buf.set(cell, values.pos + 4);
    values.pos += 4 + cell.length;
  }
};

/** Writes a safe integer as a little-endian int64. */
function int64FromNumber(values: ByteSink, value: number): void {
  const high = Math.floor(value / 4294967296);
  values.view.setUint32(values.pos, value - high * 4294967296, true);
  values.view.setInt32(values.pos + 4, high, true);
  values.pos += 8;
}

const PLAIN: Record<ParquetColumn['type'], PlainWriter> = {
  string: (state, values, cells, from, to) => {
    for (let r = from; r < to; r++) {
      const cell = cells[r];
      if (typeof cell === 'string') writeString(state, values, cell);
    }
  },
  json: writeBytes,
  binary: writeBytes,
  double: (_state, values, cells, from, to) => {
    values.ensure((to - from) * 8);
    for (let r = from; r < to; r++) {
      const cell = cells[r];
      if (typeof cell !== 'number') continue;
      values.view.setFloat64(values.pos, cell, true);
      values.pos += 8;
    }
  },
  int64: (_state, values, cells, from, to) => {
    values.ensure((to - from) * 8);
    for (let r = from; r < to; r++) {
      const cell = cells[r];
      if (typeof cell !== 'bigint') continue;
      values.view.setBigInt64(values.pos, cell, true);
      values.pos += 8;
    }
  },
  timestamp: (_state, values, cells, from, to) => {
    values.ensure((to - from) * 8);
    for (let r = from; r < to; r++) {
      const cell = cells[r];
      if (cell instanceof Date) int64FromNumber(values, cell.getTime());
    }
  },
  int32: (_state, values, cells, from, to) => {
    values.ensure((to - from) * 4);
    for (let r = from; r < to; r++) {
      const cell = cells[r];
      if (typeof cell !== 'number') continue;
      values.view.setInt32(values.pos, cell, true);
      values.pos += 4;
    }
  },
  // PLAIN booleans: one bit per non-null value, least significant bit first.
  boolean: (state, values, cells, from, to) => {
    for (let r = from; r < to; r++) {
      const cell = cells[r];
      if (typeof cell !== 'boolean') continue;
      const bit = state.bits++ & 7;
      if (bit === 0) values.u8(0);
      if (cell) values.buf[values.pos - 1] = (values.buf[values.pos - 1] as number) | (1 << bit);
    }
  },
};
