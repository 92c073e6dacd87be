import { z } from '@sluice/core';
import { createDecoder } from './decode.js';

/** Conversions a column can declare; values of undeclared columns stay strings. */
export const COLUMN_TYPES = ['string', 'number', 'timestamp', 'boolean'] as const;

/** Whether {@link createDecoder} knows the encoding, so `sluice validate` refuses an unknown one with its line. */
function isSupportedEncoding(encoding: string): boolean {
  try {
    createDecoder(encoding);
    return true;
  } catch {
    return false;
  }
}

const singleChar = (what: string) =>
  z.string().length(1, `${what} must be exactly one character`);

/**
 * Options of a `type: csv` datasource. The only truth about them: the config
 * type, the JSON Schema and the README table all come from here.
 */
export const csvSourceSchema = z
  .strictObject({
    path: z
      .string()
      .min(1)
      .optional()
      .describe('Local file or glob (`*`, `?`, `**`), relative to the config file; matching files are read in sorted order'),
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('http(s) URL of a CSV file, streamed (instead of `path`)'),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .describe('HTTP request headers for `url` (e.g. Authorization); never logged'),
    timeout: z
      .union([z.string(), z.number()])
      .default('30s')
      .describe('For `url`: maximum wait for the response headers and between body chunks (`30s`, `2m`, or seconds)'),
    header: z.boolean().default(true).describe('The first row holds the column names'),
    columns: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Column names, for files without a header row (`header: false`)'),
    delimiter: singleChar('delimiter').default(',').describe('Field delimiter'),
    quote: singleChar('quote').default('"').describe('Quote character'),
    escape: singleChar('escape').default('"').describe('Escape character inside quoted fields'),
    encoding: z
      .string()
      .superRefine((encoding, ctx) => {
        if (!isSupportedEncoding(encoding)) ctx.addIssue({ code: 'custom', message: `encoding "${encoding}" is not supported (utf8, latin1, utf16le, or a WHATWG label such as windows-1252)` });
      })
      .default('utf8')
      .describe('Text encoding: utf8, latin1, utf16le, ascii, or any WHATWG label such as windows-1252'),
    skip_empty_lines: z.boolean().default(true).describe('Ignore empty lines instead of reading them as rows'),
    comment: singleChar('comment').optional().describe('Lines starting with this character (and text after it) are ignored'),
    trim: z.boolean().default(false).describe('Remove whitespace around unquoted fields'),
    types: z
      .record(z.string(), z.enum(COLUMN_TYPES))
      .default({})
      .describe('Column conversions, e.g. `{ value: number, ts: timestamp, ok: boolean }`; a row whose value does not convert is rejected. Empty values become null'),
    source_field: z
      .string()
      .min(1)
      .optional()
      .describe('Adds a field of this name holding `file:line` of each record (off by default)'),
    parallelism: z
      .union([z.literal('auto'), z.number().int().min(1).max(64)])
      .default('auto')
      .describe(
        'Worker threads for a big local file (utf8, default quote/escape, no comment/trim, no `source_field`): `auto` uses min(cores, 4) for files of 32 MB or more; 1 reads in the main thread',
      ),
    max_record_size: z
      .number()
      .int()
      .positive()
      .default(8 * 1024 * 1024)
      .describe('Largest record in characters; a bigger one (usually an unclosed quote) fails the read instead of filling memory'),
  })
  .refine((o) => (o.path === undefined) !== (o.url === undefined), {
    message: 'give exactly one of `path` or `url`',
  })
  .refine((o) => o.header || o.columns !== undefined, {
    message: '`header: false` needs `columns: [names]`',
    path: ['columns'],
  });
