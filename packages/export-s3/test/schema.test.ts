import { describe, expect, it } from 'vitest';
import { defineConnector, loadConfig, z, type ConnectorDefinition } from '@sluice/core';
import connector, { s3ExporterSchema } from '../src/index.js';
import { parseByteSize } from '../src/size.js';

const issues = (input: unknown): string[] => {
  const result = s3ExporterSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('options schema', () => {
  it('is a type: s3 exporter with documented defaults', () => {
    expect(connector.type).toBe('s3');
    expect(connector.kind).toBe('exporter');
    const options = s3ExporterSchema.parse({ bucket: 'archive' });
    expect(options).toMatchObject({
      prefix: '',
      key_template: '{rule}/{date}/{datasource}-{run_id}-{part}.{ext}',
      format: 'parquet',
      force_path_style: false,
      write_empty: false,
      part_size: '8MiB',
      queue_size: 2,
      max_attempts: 3,
      request_checksums: 'when_supported',
      check_write: false,
    });
    expect(options.parquet.row_group_size).toBe(5_000);
  });

  it('describes every option and produces a JSON Schema', () => {
    for (const [name, field] of Object.entries(s3ExporterSchema.shape)) {
      expect(field.description, name).toBeTruthy();
    }
    const json = z.toJSONSchema(s3ExporterSchema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(json.properties)).toContain('key_template');
    expect(json.additionalProperties).toBe(false);
  });

  it('refuses a prefix or key_template that starts with "/"', () => {
    expect(issues({ bucket: 'archive', prefix: '/roll/' })).toEqual(['prefix: must not start with "/": S3 keys have no leading slash (write "roll/")']);
    expect(issues({ bucket: 'archive', key_template: '/{rule}/{run_id}.{ext}' })).toEqual([
      'key_template: must not start with "/": S3 keys have no leading slash (write "{rule}/{run_id}.{ext}")',
    ]);
    expect(issues({ bucket: 'archive', prefix: 'roll/' })).toEqual([]);
  });

  it('rejects unknown keys, unknown placeholders and rollover without {part}', () => {
    expect(issues({ bucket: 'archive', buckit: 'x' })[0]).toMatch(/buckit/);
    expect(issues({ bucket: 'archive', parquet: { compression: 'gzip' } })[0]).toMatch(/^parquet: .*compression/);
    expect(issues({ bucket: 'archive', key_template: '{rule}/{sensor_id}.{ext}' })).toEqual([expect.stringMatching(/^key_template: unknown placeholder \{sensor_id\}/)]);
    expect(issues({ bucket: 'archive', key_template: '{rule}/{run_id}.{ext}', max_records_per_object: 10 })).toEqual([expect.stringMatching(/^key_template: must contain \{part\}/)]);
    expect(issues({ bucket: 'archive', key_template: '{rule' })).toEqual([expect.stringMatching(/^key_template: .*never closed/)]);
  });

  it('checks compression against the format and credentials in pairs', () => {
    expect(issues({ bucket: 'archive', format: 'csv', compression: 'snappy' })).toEqual([expect.stringMatching(/^compression: snappy is not available for csv/)]);
    expect(issues({ bucket: 'archive', format: 'parquet', compression: 'gzip' })).toEqual([]);
    expect(issues({ bucket: 'archive', access_key_id: 'AKIA' })).toEqual([expect.stringMatching(/^secret_access_key: /)]);
    expect(issues({ bucket: 'archive', sse_kms_key_id: 'k' })).toEqual([expect.stringMatching(/^sse_kms_key_id: /)]);
  });

  it('parses byte sizes and enforces the 5MiB part minimum', () => {
    expect(parseByteSize('128MiB')).toBe(128 * 1024 * 1024);
    expect(parseByteSize('100 MB')).toBe(100_000_000);
    expect(parseByteSize('512k')).toBe(512 * 1024);
    expect(parseByteSize(4096)).toBe(4096);
    expect(parseByteSize('lots')).toBeUndefined();
    expect(parseByteSize(0)).toBeUndefined();
    expect(issues({ bucket: 'archive', part_size: '1MiB' })).toEqual([expect.stringMatching(/^part_size: .*5MiB/)]);
    expect(issues({ bucket: 'archive', max_object_size: 'huge' })).toEqual([expect.stringMatching(/^max_object_size: /)]);
  });
});

describe('validation of the routes into one S3 target', () => {
  const memory = defineConnector({ type: 'memory', kind: 'source', schema: z.strictObject({}), create: () => ({ async *read() {} }) }) as ConnectorDefinition;
  const resolve = async (kind: string) => (kind === 'source' ? memory : (connector as ConnectorDefinition));
  const text = (keyTemplate: string) => `datasources:
  a: { type: memory }
  b: { type: memory }
processing_rules:
  - { name: all, threshold_field: v, threshold_type: is_not_null, export_target: lake }
export_targets:
  lake:
    type: s3
    bucket: lake
    key_template: "${keyTemplate}"
`;

  it('refuses a key_template two routes would both render, with its line; accepts one that tells them apart', async () => {
    const { issues } = await loadConfig(text('{rule}/{run_id}-{part}.{ext}'), { resolve, env: {} });
    expect(issues).toEqual([
      expect.objectContaining({ path: 'export_targets.lake.key_template', line: 10, message: expect.stringContaining('would write the same key in every run: put {datasource} in key_template') }),
    ]);
    expect((await loadConfig(text('{rule}/{datasource}/{run_id}-{part}.{ext}'), { resolve, env: {} })).issues).toEqual([]);
  });
});
