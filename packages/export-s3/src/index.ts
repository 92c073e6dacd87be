import { defineConnector, routeCollisionIssues } from '@sluice/core';
import { S3Exporter } from './exporter.js';
import { s3ExporterSchema } from './schema.js';

export { s3ExporterSchema } from './schema.js';
export type { S3ExporterOptions, S3ExporterOptionsInput } from './types.js';

/**
 * `type: s3`: matched records as Parquet, CSV, JSON or NDJSON objects,
 * streamed through multipart uploads with bounded memory.
 *
 * @example
 * export_targets:
 *   archive:
 *     type: s3
 *     bucket: sluice-archive
 *     format: parquet
 */
export default defineConnector({
  type: 's3',
  kind: 'exporter',
  schema: s3ExporterSchema,
  create: (config, deps) => new S3Exporter(config, deps),
  // Two sessions of a run writing one key would be refused at run time (their records dead-lettered): say so up front.
  checkRoutes: (config, routes) => routeCollisionIssues(config.key_template, routes, 'key_template', 'key'),
});
