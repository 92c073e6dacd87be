import type { ParquetWriter } from './vendor/hyparquet-writer.js';
import { ByteSink, bitWidth, writeHybrid } from './parquet-bytes.js';
import type { ColumnBuffer, Dictionary } from './parquet-column-buffer.js';
import type { ParquetColumn, SchemaElementLike } from './parquet-columns.js';
import { ENCODING, dataPageV2Header, dictionaryPageHeader } from './parquet-page-header.js';
import { orderSensitive, ownBounds } from './parquet-stats.js';

/** A row group as hyparquet-writer's footer writer takes it. */
export type RowGroup = ParquetWriter['row_groups'][number];
type ColumnChunk = RowGroup['columns'][number];
/** A column chunk's codec, as the footer names it. */
export type Codec = 'SNAPPY' | 'GZIP' | 'BROTLI' | 'UNCOMPRESSED';

/** Compresses `input` and appends the result to `out`. */
export type Compressor = (input: Uint8Array, out: ByteSink) => void;

/** Dictionary-encoded rows per page: the indexes are small, this only bounds a huge row group. */
const DICTIONARY_PAGE_ROWS = 128 * 1024;

/** Where and how a column chunk is written. */
export interface ChunkTarget {
  /** Receives the chunk's pages. */
  readonly out: ByteSink;
  /** File position of `out`'s byte 0. */
  readonly fileOffset: number;
  readonly codec: Codec;
  readonly compress: Compressor | undefined;
}

/** Reused scratch memory of one encoder: page bytes before and after compression, levels. */
export class ChunkScratch {
  readonly page = new ByteSink();
  readonly compressed = new ByteSink();
  readonly levels = new ByteSink(4096);
}

interface ChunkState {
  readonly target: ChunkTarget;
  readonly buffer: ColumnBuffer;
  readonly nullable: boolean;
  readonly scratch: ChunkScratch;
  uncompressed: number;
  pages: number;
}

/**
 * Writes a buffered column chunk (a dictionary page and index pages, or
 * PLAIN pages, all DATA_PAGE_V2) and returns its footer metadata.
 */
export function writeColumnChunk(
  target: ChunkTarget,
  column: ParquetColumn,
  element: SchemaElementLike,
  buffer: ColumnBuffer,
  scratch: ChunkScratch,
): ColumnChunk {
  buffer.settle();
  const out = target.out;
  const state: ChunkState = { target, buffer, nullable: column.nullable, scratch, uncompressed: 0, pages: 0 };
  const start = out.pos;
  const dictionary = buffer.dictionary;
  let dictionaryOffset: number | undefined;
  if (dictionary) {
    dictionaryOffset = target.fileOffset + out.pos;
    writeDictionaryPage(state, dictionary);
  }
  const dataOffset = target.fileOffset + out.pos;
  if (dictionary) writeIndexPages(state, dictionary);
  else writePlainPages(state);
  const encodings: ('PLAIN' | 'RLE' | 'RLE_DICTIONARY')[] = dictionary ? ['PLAIN', 'RLE_DICTIONARY'] : ['PLAIN'];
  if (column.nullable) encodings.push('RLE');
  return {
    file_offset: BigInt(target.fileOffset + start),
    meta_data: {
      type: element.type as NonNullable<SchemaElementLike['type']>,
      encodings,
      path_in_schema: [column.name],
      codec: target.codec,
      num_values: BigInt(buffer.rows),
      total_uncompressed_size: BigInt(state.uncompressed),
      total_compressed_size: BigInt(out.pos - start),
      data_page_offset: BigInt(dataOffset),
      dictionary_page_offset: dictionaryOffset === undefined ? undefined : BigInt(dictionaryOffset),
      statistics: ownBounds(buffer.statistics(), element) as never,
      encoding_stats: [
        ...(dictionary ? [{ page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1 }] : []),
        { page_type: 'DATA_PAGE_V2' as const, encoding: dictionary ? 'RLE_DICTIONARY' : 'PLAIN', count: state.pages },
      ],
    },
  };
}

function writeDictionaryPage(state: ChunkState, dictionary: Dictionary): void {
  const entries = dictionary.entries;
  const page = state.scratch.page;
  page.pos = 0;
  for (const entry of entries) {
    // Only a non-ASCII entry can be order-sensitive (see the statistics).
    if (page.utf8Value(entry) !== entry.length && orderSensitive(entry)) dictionary.sensitive = true;
  }
  const plain = page.buf.subarray(0, page.pos);
  const stored = compress(state, plain);
  const out = state.target.out;
  const headerStart = out.pos;
  dictionaryPageHeader(out, { uncompressed: plain.length, compressed: stored.length }, entries.length);
  state.uncompressed += out.pos - headerStart + plain.length;
  out.bytes(stored);
}

function writeIndexPages(state: ChunkState, dictionary: Dictionary): void {
  const width = bitWidth(dictionary.entries.length - 1);
  const { levels, rows } = state.buffer;
  const page = state.scratch.page;
  let next = 0;
  for (let from = 0; from < rows; from += DICTIONARY_PAGE_ROWS) {
    const to = Math.min(rows, from + DICTIONARY_PAGE_ROWS);
    const count = countPresent(levels, from, to);
    page.pos = 0;
    page.u8(width);
    writeHybrid(page, dictionary.indexes, next, next + count, width);
    next += count;
    writeDataPage(state, from, to, count, page.buf.subarray(0, page.pos), ENCODING.RLE_DICTIONARY);
  }
}

function writePlainPages(state: ChunkState): void {
  const { pageRows, pageBytes, rows, values, levels } = state.buffer;
  let fromRow = 0;
  let fromByte = 0;
  for (let p = 0; p <= pageRows.length; p++) {
    const toRow = pageRows[p] ?? rows;
    const toByte = pageBytes[p] ?? values.pos;
    if (toRow === fromRow && p > 0) break;
    const count = countPresent(levels, fromRow, toRow);
    writeDataPage(state, fromRow, toRow, count, values.buf.subarray(fromByte, toByte), ENCODING.PLAIN);
    fromRow = toRow;
    fromByte = toByte;
  }
}

/** Emits one DATA_PAGE_V2 for rows [from, to) with `present` values encoded in `plain`. */
function writeDataPage(state: ChunkState, from: number, to: number, present: number, plain: Uint8Array, encoding: number): void {
  const out = state.target.out;
  const stored = compress(state, plain);
  // v2: levels are never compressed and come before the values.
  const levels = state.scratch.levels;
  levels.pos = 0;
  if (state.nullable) writeHybrid(levels, state.buffer.levels, from, to, 1);
  const headerStart = out.pos;
  dataPageV2Header(
    out,
    { uncompressed: levels.pos + plain.length, compressed: levels.pos + stored.length },
    {
      values: to - from,
      nulls: to - from - present,
      rows: to - from,
      encoding,
      levelsLength: levels.pos,
      compressed: state.target.compress !== undefined,
    },
  );
  state.uncompressed += out.pos - headerStart + levels.pos + plain.length;
  out.bytes(levels.buf.subarray(0, levels.pos));
  out.bytes(stored);
  state.pages++;
}

/** The page's values as stored: compressed into scratch, or the values themselves. */
function compress(state: ChunkState, plain: Uint8Array): Uint8Array {
  const compressor = state.target.compress;
  if (!compressor) return plain;
  const sink = state.scratch.compressed;
  sink.pos = 0;
  compressor(plain, sink);
  return sink.buf.subarray(0, sink.pos);
}

function countPresent(levels: Uint8Array, from: number, to: number): number {
  let count = 0;
  for (let r = from; r < to; r++) count += levels[r] as number;
  return count;
}
