import type { DataRecord, EncodedBatch, RejectedRecord } from '@sluice/core';

/** The encodings Sluice can write. */
export type FormatName = 'ndjson' | 'json' | 'csv' | 'parquet';

/** What one {@link RecordEncoder.write} call produced. */
export interface EncodeResult {
  /** Bytes ready to append to the output; empty while a Parquet row group fills. */
  readonly bytes: Uint8Array;
  /** Records of the batch that cannot be represented in this format, each with the reason. */
  readonly rejected: RejectedRecord[];
  /**
   * Set when `bytes` read back into exactly the batch's records (nothing
   * rejected), so a caller that keeps a copy of the records can keep these
   * bytes instead of encoding them again: `json-lines`, JSON lines that
   * JSON.parse turns back into the records (NDJSON of strings, finite
   * numbers, booleans and null); `csv-rows`, from `offset` on (after a
   * header line) CSV rows as core's `CsvRows` describes (every record's own
   * keys are `keys` in that order, every value a string).
   */
  readonly encoded?:
    | { readonly kind: 'json-lines' }
    | { readonly kind: 'csv-rows'; readonly offset: number; readonly keys: readonly string[]; readonly delimiter: string; readonly lineEnding: string };
}

/**
 * A synchronous, streaming record encoder: batches in, bytes out. One encoder
 * produces one file or object; it keeps at most one Parquet row group in memory.
 *
 * @example
 * const encoder = createEncoder('csv');
 * const { bytes, rejected } = encoder.write([{ id: 1, name: 'a' }]);
 * const tail = encoder.end();
 */
export interface RecordEncoder {
  readonly format: FormatName;
  /** `application/x-ndjson`, `application/json`, `text/csv` or `application/vnd.apache.parquet`. */
  readonly contentType: string;
  /** File extension without the dot: `ndjson`, `json`, `csv` or `parquet`. */
  readonly extension: string;
  /**
   * Encodes a batch; returns bytes ready to write (may be empty while a
   * Parquet row group fills) and the records that do not fit. Synchronous:
   * it is the hot path.
   */
  write(batch: readonly DataRecord[]): EncodeResult;
  /** Flushes the last row group / closing bracket / footer. Call once. */
  end(): Uint8Array;
  /** Records accepted so far. */
  readonly records: number;
}

/** Options of {@link createEncodedStream}. */
export interface EncodedStreamOptions {
  /** Gzip the output (text formats only: Parquet compresses its pages itself). */
  readonly gzip?: boolean;
}

/** An encoder bound to a Node writable, with backpressure. */
export interface EncodedStream {
  /**
   * Encodes and writes a batch; resolves once the sink accepted the bytes
   * (after `drain` if needed). `encoded`: the batch's bytes, when they read
   * back into exactly its records (see {@link EncodeResult.encoded}).
   */
  write(batch: readonly DataRecord[]): Promise<{ rejected: RejectedRecord[]; encoded?: EncodedBatch }>;
  /** Writes the encoder's tail and ends the sink; resolves when `out` has finished. */
  end(): Promise<void>;
  /** Uncompressed bytes produced so far (for size-based rollover). */
  readonly bytesWritten: number;
}
