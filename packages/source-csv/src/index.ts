import { defineConnector } from '@sluice/core';
import { csvSourceSchema } from './schema.js';
import { CsvSource } from './source.js';

export type { CsvSourceConfig, ColumnType } from './types.js';
export { csvSourceSchema } from './schema.js';

/**
 * `type: csv`: reads a local CSV file, a glob of files, or an http(s) URL,
 * streaming, with push-down of rules onto the raw fields.
 *
 * @example
 * datasources:
 *   readings:
 *     type: csv
 *     path: data/*.csv
 *     types: { value: number, ts: timestamp }
 */
export default defineConnector({
  type: 'csv',
  kind: 'source',
  schema: csvSourceSchema,
  create: (config, deps) => new CsvSource(config, deps),
});
