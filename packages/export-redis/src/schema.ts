import { compileTemplate, durationSchema, z } from '@sluice/core';

const nodeSchema = z
  .union([
    z.string().regex(/^[^\s:]+:\d+$/, 'expected "host:port"'),
    z.strictObject({
      host: z.string().min(1).describe('Host name or address.'),
      port: z.int().min(1).max(65535).default(6379).describe('TCP port.'),
    }),
  ])
  .describe('A server address: "host:port" or {host, port}.');

/** The options of a `type: redis` export target. The only truth about them. */
export const redisExporterSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
      .optional()
      .describe('Connection URL, e.g. redis://user:pass@host:6379/0 (rediss:// for TLS). Replaces host/port/username/password/db.'),
    host: z.string().min(1).default('localhost').describe('Redis host (ignored with url, cluster or sentinels).'),
    port: z.int().min(1).max(65535).default(6379).describe('Redis port.'),
    username: z.string().optional().describe('ACL user name (Redis 6+).'),
    password: z.string().optional().describe('Password (AUTH). Never logged.'),
    db: z.int().min(0).default(0).describe('Database number (not available with cluster).'),
    tls: z.boolean().default(false).describe('Connect over TLS.'),
    cluster: z
      .strictObject({
        nodes: z.array(nodeSchema).min(1).describe('Seed nodes; the rest of the cluster is discovered.'),
      })
      .optional()
      .describe('Redis Cluster: writes go to each key\'s node.'),
    sentinels: z.array(nodeSchema).min(1).optional().describe('Redis Sentinel addresses; requires name.'),
    name: z.string().min(1).optional().describe('The master group name Sentinel monitors.'),
    sentinel_password: z.string().optional().describe('Password of the Sentinel servers, when they require one. Never logged.'),
    connect_timeout: durationSchema.default(10_000).describe('Time limit to establish a connection.'),

    data_type: z
      .enum(['hash', 'list', 'string', 'stream', 'set'])
      .default('hash')
      .describe('hash: record fields as hash fields (HSET). list: LPUSH/RPUSH a value. string: SET a value. stream: XADD an entry. set: SADD a value.'),
    key_template: z
      .string()
      .min(1)
      .describe('Key of each record, e.g. "alert:{rule}:{sensor_id}". Run placeholders ({rule}, {datasource}, {target}, {run_id}, {date}, ...) win over record fields of the same name; dotted names reach nested fields.'),
    value_field: z
      .string()
      .min(1)
      .optional()
      .describe('list/string/set/stream: store this field\'s value instead of the whole record as JSON.'),
    ttl: durationSchema
      .refine((ms) => ms >= 1, 'ttl must be at least 1ms; omit ttl for keys that never expire')
      .optional()
      .describe('Expire each written key after this long (PEXPIRE, refreshed on every write).'),
    overwrite: z.boolean().default(false).describe('hash: replace the whole hash (DEL then HSET) instead of merging fields, so fields absent from the record do not linger.'),
    push: z.enum(['left', 'right']).default('right').describe('list: push to the head (LPUSH) or the tail (RPUSH).'),
    max_length: z
      .int()
      .positive()
      .optional()
      .describe('list: keep only the newest max_length entries (LTRIM). stream: XADD MAXLEN.'),
    approximate_trim: z.boolean().default(true).describe('stream: trim with MAXLEN ~ (cheaper; the stream may briefly hold a few more entries).'),
    stream_format: z
      .enum(['fields', 'json'])
      .default('fields')
      .describe('stream: one entry field per record field (like a hash), or a single "data" field holding the JSON record (or value_field).'),
    batch_size: z
      .int()
      .positive()
      .max(100_000)
      .default(250)
      .describe('Records per round trip (one atomic script call; per key in a cluster). A batch from core is split into such chunks.'),
    max_in_flight: z
      .int()
      .min(1)
      .max(64)
      .default(4)
      .describe('Chunks of one batch on the wire at once, so encoding the next overlaps the server running the previous.'),
  })
  .superRefine((value, ctx) => {
    try {
      compileTemplate(value.key_template);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['key_template'], message: (error as Error).message });
    }
    for (const issue of misusedOptions(value)) ctx.addIssue({ code: 'custom', ...issue });
    if (value.sentinels && !value.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'sentinels need the master group name' });
    if (value.cluster && value.sentinels) ctx.addIssue({ code: 'custom', path: ['sentinels'], message: 'use either cluster or sentinels, not both' });
    if (value.url && (value.cluster || value.sentinels)) ctx.addIssue({ code: 'custom', path: ['url'], message: 'url cannot be combined with cluster or sentinels' });
    if (value.cluster && value.db !== 0) ctx.addIssue({ code: 'custom', path: ['db'], message: 'Redis Cluster has only database 0' });
  })
  .describe('Redis export target: hashes, lists, strings, sets or streams.');

/**
 * Options set for a data type they do not apply to: silently ignoring them
 * would store something else than the config says. Only values that differ
 * from the defaults can be told apart from "not set".
 */
function misusedOptions(value: {
  data_type: string;
  value_field?: string | undefined;
  overwrite: boolean;
  push: string;
  max_length?: number | undefined;
  approximate_trim: boolean;
  stream_format: string;
}): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  const type = value.data_type;
  const only = (option: string, types: string): void =>
    void issues.push({ path: [option], message: `${option} applies to data_type ${types}, not ${type}` });
  if (value.value_field !== undefined) {
    if (type === 'hash') only('value_field', 'list, string, set or stream (with stream_format: json)');
    else if (type === 'stream' && value.stream_format !== 'json') {
      issues.push({ path: ['value_field'], message: 'value_field needs stream_format: json on a stream (with fields, every record field is stored)' });
    }
  }
  if (value.overwrite && type !== 'hash') only('overwrite', 'hash');
  if (value.push !== 'right' && type !== 'list') only('push', 'list');
  if (value.max_length !== undefined && type !== 'list' && type !== 'stream') only('max_length', 'list or stream');
  if (!value.approximate_trim && type !== 'stream') only('approximate_trim', 'stream');
  if (value.stream_format !== 'fields' && type !== 'stream') only('stream_format', 'stream');
  return issues;
}
