import { z } from '@sluice/core';

const durationMs = z
  .union([z.number().nonnegative(), z.string()])
  .describe('A duration: milliseconds as a number, or `30s`, `5m`, `PT1M`');

const sslSchema = z
  .union([
    z.boolean(),
    z.strictObject({
      reject_unauthorized: z.boolean().default(true).describe('Verify the server certificate against the CAs'),
      ca: z.string().optional().describe('PEM CA certificate(s), or a path to a file holding them'),
      cert: z.string().optional().describe('PEM client certificate, or a path to it'),
      key: z.string().optional().describe('PEM client private key, or a path to it'),
      servername: z.string().optional().describe('Server name for SNI and certificate checks'),
    }),
  ])
  .describe('TLS: `true`, `false`, or options');

/** Options of `type: postgresql` export targets. */
export const exporterSchema = z
  .strictObject({
    url: z
      .string()
      .optional()
      .describe('Connection URL `postgres://user:pass@host:5432/db`; use either this or host/port/database/username/password'),
    host: z.string().optional().describe('Server host name or address (default `localhost`)'),
    port: z.number().int().min(1).max(65535).optional().describe('Server port (default 5432)'),
    database: z.string().optional().describe('Database name'),
    username: z.string().optional().describe('User name'),
    password: z.string().optional().describe('Password (never logged)'),
    ssl: sslSchema.optional(),
    application_name: z.string().default('sluice').describe('Shown in pg_stat_activity'),
    connect_timeout: durationMs.default('10s').describe('Give up connecting after this long'),
    statement_timeout: durationMs.optional().describe('Server-side limit for each statement; unset = server default'),
    pool: z
      .strictObject({
        max: z.number().int().min(1).default(4).describe('Most connections kept open (shared across runs in continuous mode)'),
        idle_timeout: durationMs.default('30s').describe('Close a connection idle for this long'),
      })
      .default({ max: 4, idle_timeout: '30s' })
      .describe('Connection pool'),
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
    create_table: z
      .boolean()
      .default(false)
      .describe('Create the table from the first batch\'s value types when it does not exist (with a primary key on conflict_columns)'),
  })
  .superRefine((value, ctx) => {
    if (value.url !== undefined) {
      for (const key of ['host', 'port', 'database', 'username', 'password'] as const) {
        if (value[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `use either "url" or "${key}", not both` });
      }
    }
    if (value.mode === 'upsert' && value.conflict_columns === undefined) {
      ctx.addIssue({ code: 'custom', path: ['conflict_columns'], message: 'mode "upsert" needs conflict_columns' });
    }
  });

export type ExporterConfig = z.infer<typeof exporterSchema>;
