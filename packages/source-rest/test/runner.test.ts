import { defineConnector, loadConfig, Pipeline, z, type DataRecord, type DeadLetterEntry, type DeadLetterStore } from '@sluice/core';
import { memoryLogger, sendJson, startHttpReceiver, type HttpReceiver } from '@sluice/testkit';
import restSource from '@sluice/source-rest';
import { afterEach, describe, expect, it } from 'vitest';

/** A batch exporter that keeps what it is given, to see what the runner delivered. */
function memoryTarget(received: DataRecord[]) {
  return defineConnector({
    type: 'memory',
    kind: 'exporter',
    schema: z.strictObject({}),
    create: () => ({
      delivery: 'batch' as const,
      open: async () => ({
        write: async (batch: readonly DataRecord[]) => void received.push(...batch),
        end: async () => undefined,
      }),
    }),
  });
}

/** Runs one REST datasource through core's runner into memory, every record matching. */
async function run(datasource: string, rule = '{ name: all, threshold_field: id, threshold_type: is_not_null, export_target: out }') {
  const yaml = `
settings:
  retry: { attempts: 3, initial_delay: 10ms, max_delay: 20ms }
datasources:
  api:
${datasource}
processing_rules:
  - ${rule}
export_targets:
  out: { type: memory }
`;
  const received: DataRecord[] = [];
  const loaded = await loadConfig(yaml, {
    env: {},
    baseDir: process.cwd(),
    resolve: async (kind) => (kind === 'source' ? restSource : memoryTarget(received)),
  });
  expect(loaded.issues.filter((i) => i.severity === 'error')).toEqual([]);
  const dead: DeadLetterEntry[] = [];
  const store: DeadLetterStore = { location: undefined, write: async (entries) => void dead.push(...entries), close: async () => undefined };
  const pipeline = new Pipeline({ config: loaded.config!, logger: memoryLogger(), deadLetters: () => store });
  const summary = await pipeline.run();
  await pipeline.close();
  return { summary, received, dead };
}

let server: HttpReceiver | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('through the runner', () => {
  it('a later page that keeps failing after a first page without records is tried `attempts` times, its rejects dead-lettered once', async () => {
    server = await startHttpReceiver((req, res) =>
      req.url?.includes('cursor=x') ? sendJson(res, { e: 'busy' }, 503) : sendJson(res, { items: [42], next: 'x' }),
    );
    const { summary, dead } = await run(`    type: rest_api
    url: ${server.url}/c
    records_path: items
    pagination: { type: cursor, cursor_path: next }`);
    expect(server.requests.map((r) => r.url)).toEqual(['/c', '/c?cursor=x', '/c?cursor=x', '/c?cursor=x']);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ stage: 'source', input: 42, location: `${server.url}/c#0` });
    expect(summary.sources.api!.error).toMatch(/cursor=x answered HTTP 503.*\(page 2, gave up after 3 attempts\)/);
  });
});
