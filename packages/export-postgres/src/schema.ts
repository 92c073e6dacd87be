import { z } from '@sluice/core';
import { connectionShape, refineConnection } from '@sluice/pg-common';

/** Options of `type: postgresql` export targets. */
export const exporterSchema = z
  .strictObject({
    ...connectionShape,
    table: z.string().min(1).describe('Target table, optionally schema-qualified (`analytics.alerts`); quote parts holding dots (`"my.schema".t`)'),
    columns: z
      .record(z.string(), z.string())
      .optional()
      .describe('Record field → column mapping; only these fields are written. Default: every field with a column of the same name'),
    mode: z
      .enum(['insert', 'upsert'])
      .default('insert')
      .describe('`insert` appends with COPY; `upsert` runs INSERT … ON CONFLICT (conflict_columns) DO UPDATE'),
    conflict_columns: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('Columns of the unique key `upsert` conflicts on (required for upsert)'),
    update_columns: z
      .array(z.string())
      .optional()
      .describe('Columns `upsert` overwrites on conflict; default every written column outside conflict_columns; `[]` keeps existing rows as they are'),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(16)
      .optional()
      .describe(
        'Batches written at once per rule and datasource, each on its own pooled connection and in its own transaction (default 2 for `insert`; `upsert` writes one at a time so the last record of a key wins)',
      ),
    create_table: z
      .boolean()
      .default(false)
      .describe('Create the table from the first batch\'s value types when it does not exist (with a primary key on conflict_columns)'),
  })
  .superRefine((value, ctx) => {
    refineConnection(value, ctx);
    if (value.mode === 'upsert' && value.conflict_columns === undefined) {
      ctx.addIssue({ code: 'custom', path: ['conflict_columns'], message: 'mode "upsert" needs conflict_columns' });
    }
    if (value.mode === 'upsert' && value.concurrency !== undefined && value.concurrency > 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['concurrency'],
        message: 'mode "upsert" writes one batch at a time (batches written together could let an older record of a key win): remove concurrency or set it to 1',
      });
    }
  });

export type ExporterConfig = z.infer<typeof exporterSchema>;
