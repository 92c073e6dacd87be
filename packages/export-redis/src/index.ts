import { defineConnector } from '@sluice/core';
import { RedisExporter } from './redis-exporter.js';
import { redisExporterSchema } from './schema.js';

export type { RedisExporterOptions, RedisDataType, RedisClientLike } from './types.js';
export { redisExporterSchema } from './schema.js';

/**
 * `type: redis`: stores matched records in Redis as hashes, list entries,
 * strings, set members or stream entries, under a key built per record.
 *
 * @example
 * export_targets:
 *   latest:
 *     type: redis
 *     url: redis://127.0.0.1:6379/0
 *     data_type: hash
 *     key_template: "alert:{rule}:{sensor_id}"
 *     ttl: 1d
 */
export default defineConnector({
  type: 'redis',
  kind: 'exporter',
  schema: redisExporterSchema,
  create: (config, deps) => new RedisExporter(config, deps),
});
