import { defineConnector, routeCollisionIssues, type ConnectorDefinition } from '@sluice/core';
import { FileExporter } from './exporter.js';
import { fileOptionsSchema } from './schema.js';

/**
 * `type: file`: writes matched records to local files (NDJSON, JSON, CSV,
 * Parquet), one file per run, rule and datasource unless a size cap splits
 * it, each written to a temp file and renamed into place on `end()`.
 *
 * @example
 * // export_targets:
 * //   archive:
 * //     type: file
 * //     path: out/{rule}/{date}/{run_id}.parquet
 */
const file: ConnectorDefinition<typeof fileOptionsSchema, 'exporter'> = defineConnector({
  type: 'file',
  kind: 'exporter',
  schema: fileOptionsSchema,
  create: (config, deps) => new FileExporter(config, deps),
  // Two sessions of a run writing one file would be refused at run time (their records dead-lettered): say so up front.
  checkRoutes: (config, routes) => routeCollisionIssues(config.path, routes, 'path', 'file'),
});
// Annotated so the published types name the schema, not zod's internals.
export default file;

export { FileExporter } from './exporter.js';
export { fileOptionsSchema, type FileOptions, type FileOptionsInput } from './schema.js';
export { insertPartSuffix } from './paths.js';
export { parseByteSize } from './bytes.js';
