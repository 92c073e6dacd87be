import { compileTemplate, z } from '@sluice/core';
import { encoderOptionsSchema, formatFromPath, formatSchema } from '@sluice/formats';
import { BYTE_SIZE } from './bytes.js';
import { PATH_PLACEHOLDERS } from './paths.js';

const byteSize = z
  .union([z.number().int().positive(), z.string().regex(BYTE_SIZE, 'a size such as 64MiB, 500MB or 1048576')])
  .describe('A size in bytes, or with a unit: KB/MB/GB (powers of 1000), KiB/MiB/GiB (powers of 1024)');

/** Options of a `type: file` export target. The only truth about them. */
export const fileOptionsSchema = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .describe(
        'Output path template, relative to the config file: e.g. out/{rule}/{date}/{run_id}.parquet. ' +
          'Placeholders: rule, datasource, target, run_id, date, time, year, month, day, hour, minute, second, timestamp, part. ' +
          'Values are sanitised so they cannot add path segments',
      ),
    format: formatSchema.optional().describe('Output encoding; default: from the path extension (.ndjson/.jsonl, .json, .csv, .parquet, optionally + .gz)'),
    compression: z
      .enum(['none', 'gzip'])
      .optional()
      .describe('Compression of text formats; default: gzip when the path ends in .gz, else none. Parquet compresses its pages itself (parquet.compression)'),
    ...encoderOptionsSchema.shape,
    max_records_per_file: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Start a new part file after this many records'),
    max_bytes_per_file: byteSize
      .optional()
      .describe('Start a new part file once a file reaches this many (uncompressed) bytes; it may exceed it by one batch or one Parquet row group'),
    if_exists: z
      .enum(['overwrite', 'error'])
      .optional()
      .describe('When the file already exists: overwrite it, or fail the session. Default: overwrite when the path has {run_id} or {timestamp} (a retry rewrites its own file), else error'),
    write_empty: z.boolean().default(false).describe('Write a file for a session without records (an empty JSON array, a header-less CSV, a zero-row Parquet file)'),
    mkdir: z.boolean().default(true).describe("Create the output directories when missing; when false, a missing directory fails the session"),
  })
  .superRefine((options, ctx) => {
    let placeholders: readonly string[] = [];
    try {
      placeholders = compileTemplate(options.path).placeholders;
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: (error as Error).message });
      return;
    }
    const unknown = placeholders.filter((name) => !PATH_PLACEHOLDERS.includes(name));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['path'],
        message: `unknown placeholder ${unknown.map((n) => `{${n}}`).join(', ')} (known: ${PATH_PLACEHOLDERS.join(', ')})`,
      });
    }
    const format = options.format ?? formatFromPath(options.path);
    if (!format) {
      ctx.addIssue({
        code: 'custom',
        path: ['format'],
        message: `cannot tell the format from "${options.path}": set format (ndjson, json, csv or parquet) or use a known extension`,
      });
    }
    const gzip = options.compression ? options.compression === 'gzip' : /\.gz$/i.test(options.path);
    if (format === 'parquet' && gzip) {
      ctx.addIssue({
        code: 'custom',
        path: ['compression'],
        message: 'gzip applies to text formats only; Parquet compresses its pages itself (parquet.compression)',
      });
    }
  })
  .describe('Writes each run, rule and datasource to local files, atomically');

/** Options after defaults. */
export type FileOptions = z.infer<typeof fileOptionsSchema>;
/** Options as written in config. */
export type FileOptionsInput = z.input<typeof fileOptionsSchema>;
