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

  it('integers beyond 2^53 arrive exact as bigint (rules compare them); a number beyond a double dead-letters its item', async () => {
    server = await startHttpReceiver((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url?.includes('cursor=12345678901234567891')) return res.end('{"items": [{"id": 50}], "next": null}');
      res.end(`{"items": [
        {"id": 12345678901234567890, "v": 1},
        {"id": 7, "v": 1e400},
        {"id": 9007199254740993, "nested": {"x": [1, -1e999]}},
        {"id": 200, "id_str": "12345678901234567890"}
      ], "next": 12345678901234567891}`);
    });
    const { summary, received, dead } = await run(
      `    type: rest_api
    url: ${server.url}/c
    records_path: items
    pagination: { type: cursor, cursor_path: next }`,
      '{ name: big, threshold_field: id, threshold_type: greater_than, threshold_value: 100, export_target: out }',
    );
    // The cursor keeps its digits too.
    expect(server.requests.map((r) => r.url)).toEqual(['/c', '/c?cursor=12345678901234567891']);
    expect(received).toEqual([
      { id: 12345678901234567890n, v: 1 },
      { id: 200, id_str: '12345678901234567890' },
    ]);
    expect(summary.sources.api).toMatchObject({ read: 3, matched: 2, notMatched: 1, invalid: 2 });
    expect(dead.map((d) => [d.location, d.error])).toEqual([
      [`${server.url}/c#1`, 'item 1: field "v" holds a number beyond the range of a double (±1.8e308)'],
      [`${server.url}/c#2`, 'item 2: field "nested.x[1]" holds a number beyond the range of a double (±1.8e308)'],
    ]);
    expect(dead[1]!.input).toEqual({ id: 9007199254740993n, nested: { x: [1, -Infinity] } });
  });
});
