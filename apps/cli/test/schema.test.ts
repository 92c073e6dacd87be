import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildJsonSchema } from '@sluice/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadAllConnectors } from '../src/registry.js';

describe('the published JSON Schema', () => {
  it('matches sluice.schema.json (regenerate with `pnpm --filter @sluice/cli test -- -u` and review the diff)', async () => {
    const connectors = await loadAllConnectors();
    expect(connectors.map((connector) => `${connector.kind}:${connector.type}`).sort()).toEqual([
      'exporter:file',
      'exporter:postgresql',
      'exporter:redis',
      'exporter:rest_api',
      'exporter:s3',
      'source:csv',
      'source:postgresql',
      'source:rest_api',
    ]);
    await expect(`${JSON.stringify(buildJsonSchema(connectors), null, 2)}\n`).toMatchFileSnapshot('../sluice.schema.json');
  });
});

describe('what an editor makes of the JSON Schema', () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  async function validator() {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    return ajv.compile(buildJsonSchema(await loadAllConnectors()));
  }

  it('accepts every example config as written, ${VAR}s included', async () => {
    const validate = await validator();
    const examples = readdirSync(path.join(root, 'examples'));
    expect(examples.length).toBeGreaterThan(4);
    for (const example of examples) {
      const file = path.join(root, 'examples', example, 'config.yaml');
      if (!existsSync(file)) continue;
      const valid = validate(parse(readFileSync(file, 'utf8')));
      expect(valid ? [] : validate.errors, file).toEqual([]);
    }
  });

  it('takes a variable wherever a number, a boolean, a choice or a checked string goes; still refuses a wrong literal', async () => {
    const validate = await validator();
    const config = (target: Record<string, unknown>, settings: Record<string, unknown> = {}) => ({
      settings,
      datasources: { d: { type: 'csv', path: 'x.csv' } },
      processing_rules: [{ name: 'r', threshold_field: 'v', threshold_type: 'greater_than', threshold_value: '${LIMIT}', export_target: 't' }],
      export_targets: { t: target },
    });
    expect(validate(config({ type: 'redis', key_template: 'k:{id}', url: '${REDIS_URL}', port: '${REDIS_PORT:-6379}', ttl: '${TTL}' }, { batch_size: '${BATCH:-500}' })), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(config({ type: 'rest_api', url: 'https://${HOST}/alerts', method: '${METHOD}' }))).toBe(true);
    expect(validate(config({ type: 'redis', key_template: 'k:{id}', port: 'six' }))).toBe(false);
    expect(validate(config({ type: 'redis', key_template: 'k:{id}' }, { batch_size: 'many' }))).toBe(false);
    // Only the chosen connector's options are checked: one mistake, one complaint.
    expect(validate(config({ type: 'rest_api', url: 'https://a.example/x', bogus: 1 }))).toBe(false);
    expect(validate.errors!.filter((error) => error.keyword === 'required')).toEqual([]);
  });
});
