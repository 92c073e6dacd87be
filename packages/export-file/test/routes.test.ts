import { defineConnector, loadConfig, z, type ConnectorDefinition } from '@sluice/core';
import { describe, expect, it } from 'vitest';
import file from '@sluice/export-file';

const memory = defineConnector({
  type: 'memory',
  kind: 'source',
  schema: z.strictObject({}),
  create: () => ({ async *read() {} }),
}) as ConnectorDefinition;

const resolve = async (kind: string) => (kind === 'source' ? memory : (file as ConnectorDefinition));

function config(path: string, rules = '  - { name: alerts, threshold_field: v, threshold_type: is_not_null, export_target: archive }'): string {
  return `datasources:
  site_a: { type: memory }
  site_b: { type: memory }
processing_rules:
${rules}
export_targets:
  archive:
    type: file
    path: "${path}"
`;
}

describe('validation of the routes into one file target', () => {
  it('refuses a path that two datasources of a rule would both write, with its line and the fix', async () => {
    const { config: loaded, issues } = await loadConfig(config('out/{rule}/{date}/{run_id}.csv'), { resolve, env: {} });
    expect(loaded).toBeUndefined();
    expect(issues).toEqual([
      expect.objectContaining({
        path: 'export_targets.archive.path',
        line: 9,
        severity: 'error',
        message: 'rule "alerts" / datasource "site_a" and rule "alerts" / datasource "site_b" would write the same file in every run: put {datasource} in path',
      }),
    ]);
  });

  it('refuses two rules without {rule}, and rule names alike once made safe', async () => {
    const two = `  - { name: hot, threshold_field: v, threshold_type: is_not_null, datasource: site_a, export_target: archive }
  - { name: cold, threshold_field: v, threshold_type: is_null, datasource: site_a, export_target: archive }`;
    const { issues } = await loadConfig(config('out/{datasource}-{run_id}.ndjson', two), { resolve, env: {} });
    const errors = (list: typeof issues) => list.filter((issue) => issue.severity === 'error').map((issue) => issue.message);
    expect(errors(issues)).toEqual([expect.stringMatching(/rule "hot" .* rule "cold" .*: put \{rule\} in path$/)]);

    const alike = two.replace('name: hot', 'name: "a/b"').replace('name: cold', 'name: a_b');
    const renamed = await loadConfig(config('out/{rule}-{datasource}.ndjson', alike), { resolve, env: {} });
    expect(errors(renamed.issues)).toEqual([expect.stringContaining('alike once made safe')]);
  });

  it('accepts a path that tells every route apart, and any path for a single route', async () => {
    expect((await loadConfig(config('out/{rule}/{datasource}/{run_id}.csv'), { resolve, env: {} })).issues).toEqual([]);
    const one = '  - { name: alerts, threshold_field: v, threshold_type: is_not_null, datasource: site_a, export_target: archive }';
    const single = await loadConfig(config('out/{run_id}.csv', one), { resolve, env: {} });
    expect(single.issues.filter((issue) => issue.severity === 'error')).toEqual([]);
  });
});
