import { z } from '@sluice/core';
import { connectionShape, refineConnection } from '@sluice/pg-common';

/** Options of `type: postgresql` datasources. */
export const sourceSchema = z
  .strictObject({
    ...connectionShape,
    query: z.string().min(1).describe('The SELECT to run; `$1`, `$2`… refer to `params`'),
    params: z
      .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .default([])
      .describe('Bound parameters for `$1`, `$2`… in `query` (never spliced into the SQL)'),
    pushdown: z
      .enum(['auto', 'off'])
      .default('auto')
      .describe('`auto` wraps the query with a WHERE built from the rules reading this source, so only candidate rows leave the server; `off` reads every row'),
    read_mode: z
      .enum(['auto', 'cursor', 'copy'])
      .default('auto')
      .describe(
        '`cursor` fetches batches through a server-side cursor; `copy` streams `COPY (<query>) TO STDOUT` (parameters inlined as escaped constants) and decodes it to the same values; `auto` uses COPY when every column has a built-in type and the query can be wrapped, else the cursor',
      ),
  })
  .superRefine(refineConnection);

export type SourceConfig = z.infer<typeof sourceSchema>;
