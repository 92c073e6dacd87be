import { defineConnector, type ConnectorDefinition } from '@sluice/core';
import { RestSource } from './rest-source.js';
import { restSourceSchema } from './schema.js';

export type { Auth, Pagination, RestSourceOptions } from './types.js';
export { restSourceSchema } from './schema.js';

/**
 * `type: rest_api` (alias `http`): reads JSON records from a REST API,
 * following page, offset, cursor or `Link` pagination.
 *
 * @example
 * datasources:
 *   orders:
 *     type: rest_api
 *     url: https://api.example.com/orders
 *     records_path: data.items
 *     pagination: { type: cursor, cursor_path: meta.next_cursor }
 */
const restApi: ConnectorDefinition<typeof restSourceSchema, 'source'> = defineConnector({
  type: 'rest_api',
  aliases: ['http'],
  kind: 'source',
  schema: restSourceSchema,
  create: (config, deps) => new RestSource(config, deps),
});
// Annotated so the published types name the schema, not zod's internals.
export default restApi;
