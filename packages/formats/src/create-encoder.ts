import { CsvEncoder } from './csv-encoder.js';
import { JsonArrayEncoder } from './json-encoder.js';
import { NdjsonEncoder } from './ndjson-encoder.js';
import { encoderOptionsSchema, type EncoderOptionsInput } from './options.js';
import { ParquetEncoder } from './parquet-encoder.js';
import type { FormatName, RecordEncoder } from './types.js';

/**
 * A fresh encoder for one output file or object. `options` may be parsed
 * config or a partial object: defaults are applied here.
 *
 * @example
 * const encoder = createEncoder('parquet', { parquet: { compression: 'gzip' } });
 */
export function createEncoder(format: FormatName, options?: EncoderOptionsInput): RecordEncoder {
  const parsed = encoderOptionsSchema.parse(options ?? {});
  switch (format) {
    case 'ndjson':
      return new NdjsonEncoder();
    case 'json':
      return new JsonArrayEncoder();
    case 'csv':
      return new CsvEncoder(parsed.csv);
    case 'parquet':
      return new ParquetEncoder(parsed.parquet);
    default:
      throw new TypeError(`unknown format "${String(format)}" (known: ndjson, json, csv, parquet)`);
  }
}
