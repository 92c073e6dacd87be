import { z } from '@sluice/core';

/** The `format` option: which encoding to write. */
export const formatSchema = z
  .enum(['ndjson', 'json', 'csv', 'parquet'])
  .describe('Output encoding: ndjson (one JSON object per line), json (one JSON array), csv, or parquet');

/** Column types a Parquet schema can declare. */
export const parquetColumnTypeSchema = z
  .enum(['string', 'double', 'int64', 'int32', 'boolean', 'timestamp', 'json', 'binary'])
  .describe(
    'Column type: string (UTF8), double, int64, int32, boolean, timestamp (millisecond, UTC), json (nested values as JSON text), binary (raw bytes)',
  );

const csvOptionsSchema = z
  .strictObject({
    delimiter: z
      .string()
      .length(1)
      .refine((d) => d !== '"' && d !== '\r' && d !== '\n', 'the delimiter cannot be a quote or a line break')
      .default(',')
      .describe('Field delimiter, one character'),
    header: z.boolean().default(true).describe('Write a header line with the column names'),
    null_value: z
      .string()
      .default('')
      .describe('Text written for null and missing values; a real string equal to it is quoted so the two stay distinct'),
    line_ending: z.enum(['lf', 'crlf']).default('lf').describe('Line terminator: lf (\\n) or crlf (\\r\\n, RFC 4180)'),
    columns: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Column names and order; default: the fields of the first batch, in first-seen order'),
  })
  .describe('CSV options');

const parquetColumnSchema = z.strictObject({
  name: z.string().min(1).describe('Column (record field) name'),
  type: parquetColumnTypeSchema,
  nullable: z.boolean().default(true).describe('Whether the column accepts null or missing values'),
});

const parquetOptionsSchema = z
  .strictObject({
    row_group_size: z
      .number()
      .int()
      .positive()
      .default(20_000)
      .describe('Rows buffered per row group; memory holds at most one row group'),
    row_group_bytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024)
      .describe(
        'Also close a row group once its buffered values reach about this many bytes, so wide or text-heavy records stay bounded',
      ),
    compression: z
      .enum(['snappy', 'gzip', 'brotli', 'uncompressed'])
      .default('snappy')
      .describe('Page compression codec'),
    columns: z
      .array(parquetColumnSchema)
      .min(1)
      .optional()
      .describe('Declared schema; default: inferred from the first batch (numbers as double, all columns nullable)'),
  })
  .describe('Parquet options');

/** Encoder options: one section per format that has any. */
export const encoderOptionsSchema = z
  .strictObject({
    csv: csvOptionsSchema.prefault({}),
    parquet: parquetOptionsSchema.prefault({}),
  })
  .describe('Encoding options per format');

/** Encoder options after defaults. */
export type EncoderOptions = z.infer<typeof encoderOptionsSchema>;
/** Encoder options as written in config: every field optional. */
export type EncoderOptionsInput = z.input<typeof encoderOptionsSchema>;
/** A Parquet column type. */
export type ParquetColumnType = z.infer<typeof parquetColumnTypeSchema>;
/** CSV options after defaults. */
export type CsvOptions = EncoderOptions['csv'];
/** Parquet options after defaults. */
export type ParquetOptions = EncoderOptions['parquet'];
