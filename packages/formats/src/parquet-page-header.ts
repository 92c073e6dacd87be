import type { ByteSink } from './parquet-bytes.js';

// Page headers in Thrift's compact protocol, written by hand: the header is
// a handful of integers, and a generic serializer builds an object per page.

/** Parquet's Encoding enum values this package writes. */
export const ENCODING = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;

const I32 = 5;
const STRUCT = 12;
const BOOL_FALSE = 2;

/** Sizes of a page: uncompressed and as stored (both including levels for v2). */
export interface PageSizes {
  readonly uncompressed: number;
  readonly compressed: number;
}

/** DATA_PAGE_V2 header fields. */
export interface DataPageV2 {
  readonly values: number;
  readonly nulls: number;
  readonly rows: number;
  readonly encoding: number;
  readonly levelsLength: number;
  readonly compressed: boolean;
}

function field(out: ByteSink, delta: number, type: number): void {
  out.u8((delta << 4) | type);
}

/** A non-negative i32, zigzag varint. */
function i32(out: ByteSink, value: number): void {
  out.varint(value * 2);
}

function sizes(out: ByteSink, type: number, page: PageSizes): void {
  field(out, 1, I32);
  i32(out, type);
  field(out, 1, I32);
  i32(out, page.uncompressed);
  field(out, 1, I32);
  i32(out, page.compressed);
}

/** PageHeader of a PLAIN dictionary page holding `values` entries. */
export function dictionaryPageHeader(out: ByteSink, page: PageSizes, values: number): void {
  sizes(out, 2, page);
  field(out, 4, STRUCT); // field 7: dictionary_page_header
  field(out, 1, I32);
  i32(out, values);
  field(out, 1, I32);
  i32(out, ENCODING.PLAIN);
  out.u8(0);
  out.u8(0);
}

/** PageHeader of a DATA_PAGE_V2 (flat columns: no repetition levels). */
export function dataPageV2Header(out: ByteSink, page: PageSizes, header: DataPageV2): void {
  sizes(out, 3, page);
  field(out, 5, STRUCT); // field 8: data_page_header_v2
  field(out, 1, I32);
  i32(out, header.values);
  field(out, 1, I32);
  i32(out, header.nulls);
  field(out, 1, I32);
  i32(out, header.rows);
  field(out, 1, I32);
  i32(out, header.encoding);
  field(out, 1, I32);
  i32(out, header.levelsLength);
  field(out, 1, I32);
  i32(out, 0);
  // is_compressed defaults to true; say so only when it is not.
  if (!header.compressed) out.u8((1 << 4) | BOOL_FALSE);
  out.u8(0);
  out.u8(0);
}
