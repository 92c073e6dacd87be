import { loadConfig, Pipeline, type DataRecord, type DeadLetterEntry, type DeadLetterStore } from '@sluice/core';
import { memoryLogger, startHttpReceiver, type HttpFault, type HttpReceiver } from '@sluice/testkit';
import restSource from '@sluice/source-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import restExporter from '@sluice/export-rest';

/**
 * End to end through core's runner: a flaky paginated API → rule → a flaky
 * receiver. Every matched record must be received at least once or sit in
 * the dead-letter store, and the summary must agree.
 */
describe('REST → rules → REST through the runner, with faults on both sides', () => {
  const records: DataRecord[] = Array.from({ length: 200 }, (_, i) => ({ id: i + 1, value: (i + 1) * 10 }));
  const sourceFaults = new Map<string, HttpFault>([
    ['first', { status: 500, headers: { 'retry-after': '0' }, body: 'busy' }], // before anything was yielded: the runner retries the read
    ['40', { status: 503, headers: { 'retry-after': '0' }, body: 'busy' }], // a later page: retried in place
    ['80', 'truncate'], // connection closed mid-response
  ]);
  const received = new Map<string, number[]>(); // Idempotency-Key → ids
  const deliveries: number[] = []; // every id in every 2xx request, duplicates included
  const faults: string[] = [];
  let api: HttpReceiver;
  let receiver: HttpReceiver;

  beforeAll(async () => {
    api = await startHttpReceiver(
      (req, res) => {
        const at = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('cursor') ?? 0);
        const next = at + 20 < records.length ? String(at + 20) : null;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: records.slice(at, at + 20), next }));
      },
      {
        fault(req) {
          const cursor = new URL(req.url, 'http://x').searchParams.get('cursor') ?? 'first';
          const fault = sourceFaults.get(cursor);
          sourceFaults.delete(cursor);
          return fault;
        },
      },
    );
    const ids = (body: string) => (JSON.parse(body) as { records: DataRecord[] }).records.map((r) => r.id as number);
    const receiverFault = (index: number): HttpFault | undefined => {
      const n = index + 1;
      if (n === 7) return 'hang'; // never answers: the exporter's timeout fires
      if (n === 12) return 'drop';
      if (n === 15) return { status: 429, headers: { 'retry-after': '1' } };
      if (n % 4 === 0) return { status: 500, body: 'oops' };
      return undefined;
    };
    receiver = await startHttpReceiver(
      (req, res) => {
        deliveries.push(...ids(req.body));
        received.set(String(req.headers['idempotency-key']), ids(req.body));
        res.writeHead(202).end();
      },
      {
        fault(req, index) {
          if (ids(req.body).includes(77)) return { status: 400, body: 'record 77 is invalid' };
          const fault = receiverFault(index);
          if (fault !== undefined) faults.push(typeof fault === 'string' ? fault : String(fault.status));
          return fault;
        },
      },
    );
  });
  afterAll(async () => {
    await api.close();
    await receiver.close();
  });

  it('delivers every match at least once or dead-letters it; counts agree', async () => {
    const yaml = `
settings:
  batch_size: 50
  timeout: 20s
  retry: { attempts: 6, initial_delay: 10ms, max_delay: 50ms }
datasources:
  api:
    type: rest_api
    url: ${api.url}/records
    records_path: data
    pagination: { type: cursor, cursor_path: next }
processing_rules:
  - name: big
    threshold_field: value
    threshold_type: greater_than
    threshold_value: 500
    export_target: alerts
export_targets:
  alerts:
    type: rest_api
    url: ${receiver.url}/alerts
    batch_size: 10
    concurrency: 3
    envelope: true
    timeout: 300ms
    headers:
      Authorization: Bearer e2e-secret-token
`;
    const loaded = await loadConfig(yaml, {
      env: {},
      baseDir: process.cwd(),
      resolve: async (kind) => (kind === 'source' ? restSource : restExporter),
    });
    expect(loaded.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const dead: DeadLetterEntry[] = [];
    const store: DeadLetterStore = {
      location: undefined,
      write: async (entries) => void dead.push(...entries),
      close: async () => undefined,
    };
    const logger = memoryLogger();
    const pipeline = new Pipeline({ config: loaded.config!, logger, deadLetters: () => store });
    const summary = await pipeline.run();
    await pipeline.close();

    const matched = records.filter((r) => (r.value as number) > 500).map((r) => r.id as number);
    const deadIds = dead.map((d) => d.record?.id as number).sort((a, b) => a - b);
    const delivered = new Set(deliveries);

    expect(summary.sources.api).toMatchObject({ read: 200, matched: matched.length, notMatched: 50 });
    expect(summary.sources.api!.error).toBeUndefined();
    // The 400 dead-letters exactly its own request; every other match arrived.
    expect(deadIds).toEqual([71, 72, 73, 74, 75, 76, 77, 78, 79, 80]);
    expect(dead[0]!.error).toMatch(/400: record 77 is invalid/);
    for (const id of matched) expect(delivered.has(id) || deadIds.includes(id), `record ${id} lost`).toBe(true);
    for (const id of deadIds) expect(delivered.has(id)).toBe(false);
    expect(summary.targets.alerts).toEqual({ routed: matched.length, exported: matched.length - 10, deadLettered: 10 });
    expect(summary.exported + 10).toBe(matched.length);
    // Idempotency keys let the receiver count each record once.
    expect([...received.values()].flat().sort((a, b) => a - b)).toEqual(matched.filter((id) => !deadIds.includes(id)));
    expect(faults).toEqual(expect.arrayContaining(['hang', 'drop', '429', '500']));
    expect(logger.text()).not.toContain('e2e-secret-token');
  });

  it('a request that keeps failing dead-letters its own records after the retries; the rest is delivered', async () => {
    const got = new Set<number>();
    const sink = await startHttpReceiver(
      (req, res) => {
        for (const record of JSON.parse(req.body) as DataRecord[]) got.add(record.id as number);
        res.writeHead(200).end();
      },
      {
        fault: (req) =>
          (JSON.parse(req.body) as DataRecord[]).some((r) => r.id === 150) ? { status: 503, body: 'down for this one' } : undefined,
      },
    );
    const yaml = `
settings:
  retry: { attempts: 3, initial_delay: 10ms, max_delay: 20ms }
datasources:
  api: { type: rest_api, url: "${api.url}/records", records_path: data, pagination: { type: cursor, cursor_path: next } }
processing_rules:
  - { name: big, threshold_field: value, threshold_type: greater_than, threshold_value: 500, export_target: alerts }
export_targets:
  alerts: { type: rest_api, url: "${sink.url}", batch_size: 5 }
`;
    const loaded = await loadConfig(yaml, { env: {}, baseDir: process.cwd(), resolve: async (kind) => (kind === 'source' ? restSource : restExporter) });
    const dead: DeadLetterEntry[] = [];
    const pipeline = new Pipeline({
      config: loaded.config!,
      logger: memoryLogger(),
      deadLetters: () => ({ location: undefined, write: async (e) => void dead.push(...e), close: async () => undefined }),
    });
    const summary = await pipeline.run();
    await pipeline.close();
    await sink.close();
    // Only the request holding record 150 (146..150) is dead-lettered; the others of its runner batch arrived once.
    const deadIds = dead.map((d) => d.record?.id as number).sort((a, b) => a - b);
    expect(deadIds).toEqual([146, 147, 148, 149, 150]);
    expect(dead[0]!.error).toMatch(/503/);
    for (let id = 51; id <= 200; id++) if (id < 146 || id > 150) expect(got.has(id), `record ${id} lost`).toBe(true);
    for (const id of deadIds) expect(got.has(id)).toBe(false);
    expect(summary.targets.alerts).toEqual({ routed: 150, exported: 145, deadLettered: 5 });
    expect(summary.ok).toBe(false);
  });

  it('settings.timeout limits each request, not a runner batch of many requests to a slow receiver', async () => {
    const got: number[] = [];
    const sink = await startHttpReceiver(async (req, res) => {
      await new Promise((resolve) => setTimeout(resolve, 40));
      got.push((JSON.parse(req.body) as DataRecord).id as number);
      res.writeHead(200).end();
    });
    // 20 matches in one runner batch, one request each, one at a time: about 800 ms in all, 40 ms each.
    const yaml = `
settings:
  batch_size: 1000
  timeout: 300ms
  retry: { attempts: 1 }
datasources:
  api: { type: rest_api, url: "${api.url}/records", records_path: data, pagination: { type: cursor, cursor_path: next }, max_pages: 1 }
processing_rules:
  - { name: all, threshold_field: value, threshold_type: greater_than, threshold_value: 0, export_target: slow }
export_targets:
  slow: { type: rest_api, url: "${sink.url}", batch_size: 1, concurrency: 1 }
`;
    const loaded = await loadConfig(yaml, { env: {}, baseDir: process.cwd(), resolve: async (kind) => (kind === 'source' ? restSource : restExporter) });
    expect(loaded.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const pipeline = new Pipeline({
      config: loaded.config!,
      logger: memoryLogger(),
      deadLetters: () => ({ location: undefined, write: async () => undefined, close: async () => undefined }),
    });
    const summary = await pipeline.run();
    await pipeline.close();
    await sink.close();
    expect(summary.targets.slow).toEqual({ routed: 20, exported: 20, deadLettered: 0 });
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
