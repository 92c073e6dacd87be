import { defineConnector, type ConnectorDefinition } from '@sluice/core';
import { RestExporter } from './rest-exporter.js';
import { restExporterSchema } from './schema.js';

export type { Auth, RestExporterOptions } from './types.js';
export { restExporterSchema } from './schema.js';

/**
 * `type: rest_api`: posts matched records to a REST endpoint as JSON, in
 * batches or one per request, with an Idempotency-Key per request.
 *
 * @example
 * export_targets:
 *   alert_api:
 *     type: rest_api
 *     url: https://alerts.example.com/api/alerts
 *     method: POST
 *     headers: { Authorization: "Bearer ${ALERT_TOKEN}" }
 */
const restApi: ConnectorDefinition<typeof restExporterSchema, 'exporter'> = defineConnector({
  type: 'rest_api',
  aliases: ['http'],
  kind: 'exporter',
  schema: restExporterSchema,
  create: (config, deps) => new RestExporter(config, deps),
});
// Annotated so the published types name the schema, not zod's internals.
export default restApi;
