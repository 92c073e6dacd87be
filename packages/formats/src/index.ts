export type { FormatName, RecordEncoder, EncodeResult, EncodedStream, EncodedStreamOptions } from './types.js';
export {
  formatSchema,
  encoderOptionsSchema,
  parquetColumnTypeSchema,
  type EncoderOptions,
  type EncoderOptionsInput,
  type CsvOptions,
  type ParquetOptions,
  type ParquetColumnType,
} from './options.js';
export { createEncoder } from './create-encoder.js';
export { formatFromPath } from './format-from-path.js';
export { createEncodedStream } from './encoded-stream.js';
