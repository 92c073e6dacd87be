import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { DataRecord } from '@sluice/core';
import { createEncoder, type EncoderOptionsInput, type FormatName } from '../src/index.js';

/** Encodes batches and concatenates write() and end() bytes. */
export function encodeAll(
  format: FormatName,
  batches: readonly (readonly DataRecord[])[],
  options?: EncoderOptionsInput,
): { bytes: Buffer; rejected: { record: DataRecord; error: Error }[]; records: number } {
  const encoder = createEncoder(format, options);
  const chunks: Uint8Array[] = [];
  const rejected: { record: DataRecord; error: Error }[] = [];
  for (const batch of batches) {
    const result = encoder.write(batch);
    chunks.push(result.bytes);
    rejected.push(...result.rejected);
  }
  chunks.push(encoder.end());
  return { bytes: Buffer.concat(chunks), rejected, records: encoder.records };
}

/** Decompressors for the codecs hyparquet does not read natively. */
export const compressors = {
  GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input: Uint8Array) => new Uint8Array(brotliDecompressSync(input)),
};

/** Reads a Parquet file back with hyparquet, an independent reader. */
export async function readParquet(bytes: Uint8Array, utf8 = true): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file, compressors, utf8 })) as Record<string, unknown>[];
}

export function parquetMeta(bytes: Uint8Array) {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parquetMetadata(file);
}
