import { z } from '@sluice/core';

/** A duration: milliseconds as a number, or text such as `30s`. */
export const durationOption = z
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

/**
 * Connection options of every PostgreSQL connector: the seed's fields
 * (`host`, `port`, `database`, `username`, `password`) or a `url`, TLS,
 * timeouts and the pool. Spread it into a connector's `z.strictObject` and
 * add {@link refineConnection} to its refinements.
 *
 * @example
 * const sourceSchema = z
 *   .strictObject({ ...connectionShape, query: z.string().describe('The SELECT to run') })
 *   .superRefine(refineConnection);
 */
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
  connect_timeout: durationOption.default('10s').describe('Give up connecting after this long'),
  statement_timeout: durationOption.optional().describe('Server-side limit for each statement; unset = server default'),
  pool: z
    .strictObject({
      max: z.number().int().min(1).default(4).describe('Most connections kept open (shared across runs in continuous mode)'),
      idle_timeout: durationOption.default('30s').describe('Close a connection idle for this long'),
    })
    .default({ max: 4, idle_timeout: '30s' })
    .describe('Connection pool'),
};

const connectionObject = z.strictObject(connectionShape);

/** The parsed connection options. */
export type ConnectionConfig = z.infer<typeof connectionObject>;

interface IssueSink {
  addIssue(issue: { code: 'custom'; path: string[]; message: string }): void;
}

/** `url` and the separate fields exclude each other. */
export function refineConnection(value: Partial<Pick<ConnectionConfig, 'url' | 'host' | 'port' | 'database' | 'username' | 'password'>>, ctx: IssueSink): void {
  if (value.url === undefined) return;
  for (const key of ['host', 'port', 'database', 'username', 'password'] as const) {
    if (value[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `use either "url" or "${key}", not both` });
  }
}
