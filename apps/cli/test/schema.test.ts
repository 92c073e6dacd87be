import { buildJsonSchema } from '@sluice/core';
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
