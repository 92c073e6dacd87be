import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../src/config/load.js';
import { defineConnector } from '../src/define.js';
import { buildJsonSchema } from '../src/config/json-schema.js';
import type { ConnectorDefinition } from '../src/types.js';
import { memorySource, recordingExporter, resolverFor } from './helpers.js';

const postgres = defineConnector({
  type: 'postgresql',
  kind: 'source',
  schema: z.strictObject({
    host: z.string().describe('host'),
    port: z.int().default(5432).describe('port'),
    database: z.string().describe('database'),
    username: z.string().optional().describe('user'),
    password: z.string().optional().describe('password'),
    query: z.string().describe('SQL'),
  }),
  create: () => memorySource([]),
}) as ConnectorDefinition;

const rest = defineConnector({
  type: 'rest_api',
  kind: 'exporter',
  schema: z.strictObject({
    url: z.url().describe('endpoint'),
    method: z.enum(['POST', 'PUT', 'PATCH']).default('POST').describe('method'),
    headers: z.record(z.string(), z.string()).default({}).describe('headers'),
  }),
  create: () => recordingExporter('batch'),
}) as ConnectorDefinition;

const resolve = resolverFor([postgres, rest]);

const SEED = `datasources:
  my_database:
    type: "postgresql"
    host: "localhost"
    port: 5432
    database: "analytics"
    username: "user"
    password: "password"
    query: "SELECT * FROM metrics WHERE created_at > NOW() - INTERVAL '1 hour'"

processing_rules:
  - name: "high_value_alerts"
    description: "Alert on high value records"
    threshold_field: "value"
    threshold_type: "greater_than"
    threshold_value: 1000
    export_target: "alert_api"

export_targets:
  alert_api:
    type: "rest_api"
    url: "https://alerts.example.com/api/alerts"
    method: "POST"
    headers:
      Authorization: "Bearer your_token"
`;

describe('loadConfig', () => {
  it("accepts the seed's example as written", async () => {
    const { config, issues } = await loadConfig(SEED, { resolve, env: {}, baseDir: '/srv/sluice' });
    expect(issues).toEqual([]);
    expect(config?.datasources.map((d) => [d.name, d.type, d.path])).toEqual([['my_database', 'postgresql', 'datasources.my_database']]);
    expect(config?.targets[0]?.options).toMatchObject({ url: 'https://alerts.example.com/api/alerts', method: 'POST' });
    expect(config?.settings).toMatchObject({ batchSize: 1000, maxConcurrency: 4, timeout: 30_000, deadLetter: { path: '/srv/sluice/dead-letter' } });
  });

  it('interpolates ${VAR} and ${VAR:-default}, and reports unset variables with path and line', async () => {
    const text = SEED.replace('"user"', '"${PGUSER}"').replace('"password"', '"${PGPASS:-fallback}"').replace('Bearer your_token', 'Bearer ${TOKEN}');
    const ok = await loadConfig(text, { resolve, env: { PGUSER: 'ada', TOKEN: 't0k' } });
    expect(ok.issues).toEqual([]);
    expect(ok.config?.datasources[0]?.options).toMatchObject({ username: 'ada', password: 'fallback' });
    expect((ok.config?.targets[0]?.options as { headers: object }).headers).toEqual({ Authorization: 'Bearer t0k' });

    const missing = await loadConfig(text, { resolve, env: { PGUSER: 'ada' } });
    expect(missing.config).toBeUndefined();
    expect(missing.issues).toEqual([
      expect.objectContaining({ path: 'export_targets.alert_api.headers.Authorization', line: 25, message: expect.stringContaining("TOKEN is not set") }),
    ]);
  });

  it('reads a variable as a number or a boolean where one is expected, and as text everywhere else', async () => {
    const text = SEED.replace('port: 5432', 'port: ${PGPORT:-5432}')
      .replace('"password"', '${PGPASS}')
      .replace('datasources:', 'settings:\n  batch_size: ${BATCH}\n  retry: { attempts: "${ATTEMPTS:-3}" }\ndatasources:');
    const ok = await loadConfig(text, { resolve, env: { PGPASS: '12345', BATCH: ' 250 ' } });
    expect(ok.issues).toEqual([]);
    expect(ok.config?.datasources[0]?.options).toMatchObject({ port: 5432, password: '12345' });
    expect(ok.config?.settings).toMatchObject({ batchSize: 250, retry: { attempts: 3 } });

    // Text that is not a number stays an error, at the variable's place.
    const bad = await loadConfig(text, { resolve, env: { PGPASS: 'x', BATCH: '2k' } });
    expect(bad.issues).toEqual([expect.objectContaining({ path: 'settings.batch_size', line: 2, message: 'expected number, got "2k"' })]);
    // A number written as text in the file is still an error: only interpolated values are read this way.
    const literal = await loadConfig(SEED.replace('port: 5432', 'port: "5432"'), { resolve, env: {} });
    expect(literal.issues).toEqual([expect.objectContaining({ path: 'datasources.my_database.port' })]);
  });

  it('reports every mistake at once, each with path and line, and did-you-mean hints', async () => {
    const text = `settings:
  batch_size: many
datasources:
  db:
    type: postgresql
    host: localhost
    databse: analytics
    query: select 1
processing_rules:
  - name: r1
    threshold_field: value
    threshold_type: greater_then
    threshold_value: 10
    export_target: alert_apii
export_targets:
  alert_api:
    type: rest_api
    url: "\${ALERT_URL}"
`;
    const { config, issues } = await loadConfig(text, { resolve, env: {} });
    expect(config).toBeUndefined();
    const byPath = Object.fromEntries(issues.map((issue) => [issue.path, issue]));
    expect(byPath['settings.batch_size']).toMatchObject({ line: 2 });
    expect(byPath['datasources.db.databse']).toMatchObject({ line: 7, message: expect.stringContaining('did you mean "database"') });
    expect(byPath['datasources.db.database']).toMatchObject({ message: expect.stringContaining('required') });
    expect(issues.filter((issue) => issue.path === 'export_targets.alert_api.url')).toHaveLength(1);
    expect(byPath['processing_rules[0].threshold_type']).toMatchObject({ line: 12, message: expect.stringContaining('greater_than') });
    expect(byPath['processing_rules[0].export_target']).toMatchObject({ line: 14, message: expect.stringContaining('did you mean "alert_api"') });
    expect(byPath['export_targets.alert_api.url']).toMatchObject({ line: 18, message: expect.stringContaining('ALERT_URL') });
    expect(issues.map((issue) => issue.line ?? 0)).toEqual([...issues.map((issue) => issue.line ?? 0)].sort((a, b) => a - b));
  });

  it('reports unknown connector types with the resolver message, at the type line', async () => {
    const text = SEED.replace('type: "rest_api"', 'type: "kafka"');
    const { issues } = await loadConfig(text, { resolve, env: {} });
    expect(issues).toEqual([expect.objectContaining({ path: "export_targets.alert_api.type", line: 21, message: 'unknown exporter type "kafka"' })]);
  });

  it('rejects duplicate rule names and reports YAML syntax errors with a line', async () => {
    const dup = SEED.replace('export_targets:', `  - name: "high_value_alerts"
    threshold_field: value
    threshold_type: less_than
    threshold_value: 1
    export_target: alert_api

export_targets:`);
    const { issues } = await loadConfig(dup, { resolve, env: {} });
    expect(issues).toEqual([expect.objectContaining({ path: 'processing_rules[1].name', message: expect.stringContaining('duplicate rule name') })]);

    const broken = await loadConfig('datasources:\n  a: [1, 2\nfoo: bar\n', { resolve, env: {} });
    expect(broken.config).toBeUndefined();
    expect(broken.issues[0]).toMatchObject({ path: '(yaml)', severity: 'error', line: expect.any(Number) });

    const twice = await loadConfig(SEED.replace('    port: 5432', '    port: 5432\n    "port": 5433'), { resolve, env: {} });
    expect(twice.issues).toEqual([
      expect.objectContaining({ path: '(yaml)', line: 6, message: 'duplicate key "port": a key may appear once per mapping' }),
    ]);
    const unquoted = await loadConfig('datasources:\n  s: { type: postgresql, host: ${PGHOST}, database: d, query: q }\nprocessing_rules: []\nexport_targets: {}\n', { resolve, env: {} });
    expect(unquoted.issues).toEqual([
      expect.objectContaining({ path: '(yaml)', line: 2, message: expect.stringContaining('a ${VAR} inside { } or [ ] must be quoted: "${VAR}"') }),
    ]);
    const inFlow = await loadConfig('datasources: { a: 1, a: 2 }\n', { resolve, env: {} });
    expect(inFlow.issues[0]).toMatchObject({ line: 1, message: 'duplicate key "a": a key may appear once per mapping' });
  });

  it('warns about datasources no rule reads', async () => {
    const text = SEED.replace('processing_rules:', `  other:
    type: postgresql
    host: h
    database: d
    query: select 1

processing_rules:`).replace('description: "Alert on high value records"', 'datasource: my_database');
    const { config, issues } = await loadConfig(text, { resolve, env: {} });
    expect(config).toBeDefined();
    expect(issues).toEqual([expect.objectContaining({ path: 'datasources.other', severity: 'warning' })]);
  });
});

describe('buildJsonSchema', () => {
  it('describes the envelope and every connector, with the connector types as enums', () => {
    const schema = buildJsonSchema([postgres, rest]) as { properties: Record<string, { additionalProperties?: unknown }> };
    expect(Object.keys(schema.properties)).toEqual(['settings', 'datasources', 'processing_rules', 'export_targets']);
    const text = JSON.stringify(schema);
    expect(text).toContain('"postgresql"');
    expect(text).toContain('"rest_api"');
    expect(text).toContain('threshold_field');
  });
});
