import { loadConfig, type ConnectorDefinition } from '@sluice/core';
import csv from '@sluice/source-csv';
import { describe, expect, it } from 'vitest';
import redis from '../src/index.js';

/** What `sluice validate` reports for a redis target: the config is loaded, nothing is connected. */
async function validate(target: string) {
  const yaml = `datasources:
  c: { type: csv, path: ./x.csv }
processing_rules:
  - { name: r, threshold_field: v, threshold_type: greater_than, threshold_value: 1, export_targets: [a] }
export_targets:
  a:
    type: redis
${target
  .trim()
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}
`;
  const connectors: Record<string, ConnectorDefinition> = { csv: csv as ConnectorDefinition, redis: redis as ConnectorDefinition };
  const { issues } = await loadConfig(yaml, { baseDir: process.cwd(), resolve: async (_kind, type) => connectors[type] ?? { error: type } });
  return issues.map((issue) => ({ path: issue.path, line: issue.line, severity: issue.severity, message: issue.message }));
}

describe('validation of a redis target', () => {
  it('reports a malformed key_template with its path and line', async () => {
    expect(await validate('key_template: "alert:{k"')).toEqual([
      { path: 'export_targets.a.key_template', line: 8, severity: 'error', message: 'template "alert:{k": "{" at 6 is never closed' },
    ]);
  });

  it.each(['0', '0s', '"0ms"', '0.0001'])('refuses ttl: %s (keys would expire at once) and says how to get no expiry', async (ttl) => {
    const issues = await validate(`key_template: "k:{id}"\nttl: ${ttl}`);
    expect(issues).toEqual([{ path: 'export_targets.a.ttl', line: 9, severity: 'error', message: 'ttl must be at least 1ms; omit ttl for keys that never expire' }]);
  });

  it('reads a bare ttl number as seconds, like every duration', async () => {
    expect(redis.schema.parse({ key_template: 'k', ttl: 90 }).ttl).toBe(90_000);
    expect(await validate('key_template: "k:{id}"\nttl: 1')).toEqual([]);
  });

  it('refuses options that do not apply to the data_type', async () => {
    const messages = async (target: string) => (await validate(target)).map((issue) => `${issue.path}: ${issue.message}`);
    expect(await messages('data_type: stream\nkey_template: s\nvalue_field: k')).toEqual([
      'export_targets.a.value_field: value_field needs stream_format: json on a stream (with fields, every record field is stored)',
    ]);
    expect(await messages('key_template: "h:{id}"\nvalue_field: k\npush: left\nmax_length: 5\nstream_format: json')).toEqual([
      'export_targets.a.value_field: value_field applies to data_type list, string, set or stream (with stream_format: json), not hash',
      'export_targets.a.push: push applies to data_type list, not hash',
      'export_targets.a.max_length: max_length applies to data_type list or stream, not hash',
      'export_targets.a.stream_format: stream_format applies to data_type stream, not hash',
    ]);
    expect(await messages('data_type: list\nkey_template: q\noverwrite: true\napproximate_trim: false')).toEqual([
      'export_targets.a.overwrite: overwrite applies to data_type hash, not list',
      'export_targets.a.approximate_trim: approximate_trim applies to data_type stream, not list',
    ]);
    expect(await messages('data_type: stream\nstream_format: json\nkey_template: s\nvalue_field: k\nmax_length: 9\napproximate_trim: false')).toEqual([]);
  });
});
