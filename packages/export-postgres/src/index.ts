import { defineConnector } from '@sluice/core';
import { PostgresExporter } from './postgres-exporter.js';
import { exporterSchema } from './schema.js';

export type { ExporterConfig } from './schema.js';
export type { PgPool, PgPoolClient } from '@sluice/pg-common';

/**
 * `type: postgresql` export target: COPY (insert) or INSERT … ON CONFLICT
 * (upsert) per batch in its own transaction; rows the server refuses are
 * returned as rejected while the rest of the batch lands.
 *
 * @example
 * export_targets:
 *   alerts_table:
 *     type: postgresql
 *     url: ${DATABASE_URL}
 *     table: analytics.alerts
 *     mode: upsert
 *     conflict_columns: [id]
 */
export default defineConnector({
  type: 'postgresql',
  aliases: ['postgres'],
  kind: 'exporter',
  schema: exporterSchema,
  create: (config, deps) => new PostgresExporter(config, deps),
});
