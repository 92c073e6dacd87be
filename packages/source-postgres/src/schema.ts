import { z } from '@sluice/core';

const durationMs = z
  .union([z.number().nonnegative(), z.string()])
  .describe('A duration: milliseconds as a number, or `30s`, `5m`, `PT1M`');

/** TLS options; `true` uses the system CAs and verifies the server. */
export const sslSchema = z
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

/** Connection options shared by the PostgreSQL source (and mirrored by the exporter). */
export const connectionShape = {
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
  statement_timeout: durationMs.optional().describe('Server-side limit for each statement (each batch fetch); unset = server default'),
  pool: z
    .strictObject({
      max: z.number().int().min(1).default(4).describe('Most connections kept open (shared across runs in continuous mode)'),
      idle_timeout: durationMs.default('30s').describe('Close a connection idle for this long'),
    })
    .default({ max: 4, idle_timeout: '30s' })
    .describe('Connection pool'),
};

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
  })
  .superRefine((value, ctx) => {
    if (value.url === undefined) return;
    for (const key of ['host', 'port', 'database', 'username', 'password'] as const) {
      if (value[key] !== undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: `use either "url" or "${key}", not both` });
    }
  });

export type SourceConfig = z.infer<typeof sourceSchema>;
