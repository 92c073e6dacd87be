import { defineConnector } from '@sluice/core';
import { PostgresSource } from './postgres-source.js';
import { sourceSchema } from './schema.js';

export type { SourceConfig } from './schema.js';
export type { PgPool, PgPoolClient } from '@sluice/pg-common';

/**
 * `type: postgresql` (alias `postgres`): streams a query's rows in batches
 * through `COPY … TO STDOUT` or a server-side cursor (`read_mode`), pushing the rules' conditions into SQL.
 *
 * @example
 * datasources:
 *   metrics:
 *     type: postgresql
 *     url: ${DATABASE_URL}
 *     query: SELECT * FROM metrics WHERE created_at > now() - interval '1 hour'
 */
export default defineConnector({
  type: 'postgresql',
  aliases: ['postgres'],
  kind: 'source',
  schema: sourceSchema,
  create: (config, deps) => new PostgresSource(config, deps),
});
