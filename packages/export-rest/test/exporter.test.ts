import { ConnectorError, type DataRecord } from '@sluice/core';
import { afterEach, describe, expect, it } from 'vitest';
import restExporter from '@sluice/export-rest';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendJson, startHttpReceiver, type HttpReceiver } from '@sluice/testkit';
import { deps, exportRun } from './helpers.js';

const records = (n: number, from = 0): DataRecord[] => Array.from({ length: n }, (_, i) => ({ id: from + i, value: 1000 + from + i }));
let server: HttpReceiver | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function exporter(options: Record<string, unknown>) {
  return restExporter.create(restExporter.schema.parse(options), deps());
}
const bodies = (s: HttpReceiver) => s.requests.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.body) as unknown);

describe('export-rest', () => {
  it('splits writes into batch_size JSON arrays with auth, content-type and distinct idempotency keys', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, { ok: true }, 201));
    const ex = exporter({ url: `${server.url}/alerts`, batch_size: 100, auth: { type: 'bearer', token: 'tok-abcdef' } });
    const run = exportRun();
    const session = await ex.open(run);
    expect(await session.write(records(250), run.signal)).toEqual({});
    expect(await session.write(records(30, 250), run.signal)).toEqual({});
    await session.end(run.signal);
    expect(bodies(server).map((b) => (b as unknown[]).length)).toEqual([100, 100, 50, 30]);
    expect((bodies(server) as DataRecord[][]).flat()).toEqual(records(280));
    const headers = server.requests.map((r) => r.headers);
    expect(headers.every((h) => h['content-type'] === 'application/json' && h.authorization === 'Bearer tok-abcdef')).toBe(true);
    expect(new Set(headers.map((h) => h['idempotency-key'])).size).toBe(4);
    await ex.close();
    await ex.close();
  });

  it('batch_size 1 sends each record as an object; envelope wraps records with the rule', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, {}));
    const single = exporter({ url: server.url, batch_size: 1, method: 'PUT' });
    const run = exportRun();
    await (await single.open(run)).write(records(2), run.signal);
    expect(server.requests.map((r) => [r.method, JSON.parse(r.body)])).toEqual([
      ['PUT', { id: 0, value: 1000 }],
      ['PUT', { id: 1, value: 1001 }],
    ]);
    const wrapped = exporter({ url: server.url, envelope: true });
    await (await wrapped.open(run)).write(records(2), run.signal);
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({
      rule: 'high_value',
      datasource: 'db',
      target: 'alert_api',
      run_id: 'run-1',
      records: records(2),
    });
    const templated = exporter({
      url: server.url,
      envelope: { alert: { name: '{rule}', at: '{date}' }, source: 'sluice:{datasource}', items: '{records}', n: 1 },
    });
    await (await templated.open(run)).write(records(1), run.signal);
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({
      alert: { name: 'high_value', at: '2026-01-02' },
      source: 'sluice:db',
      items: records(1),
      n: 1,
    });
    expect(restExporter.schema.safeParse({ url: server.url, envelope: { x: '{nope}' } }).success).toBe(false);
    await Promise.all([single.close(), wrapped.close(), templated.close()]);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    server = await startHttpReceiver(async (_req, res) => {
      peak = Math.max(peak, ++inFlight);
      await sleep(30);
      inFlight--;
      sendJson(res, {});
    });
    const ex = exporter({ url: server.url, batch_size: 2, concurrency: 3 });
    const run = exportRun();
    await (await ex.open(run)).write(records(20), run.signal);
    expect(server.requests).toHaveLength(10);
    // Never above the bound; overlap itself depends on scheduling, so only require some.
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
    await ex.close();
  });

  it('a 400 rejects only that request\'s records, with status and a bounded, redacted body excerpt', async () => {
    server = await startHttpReceiver((req, res) => {
      const batch = JSON.parse(req.body) as DataRecord[];
      if (batch.some((r) => r.id === 15)) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`bad record; you sent ${req.headers.authorization} ${'x'.repeat(5000)}`);
      } else sendJson(res, {});
    });
    const ex = exporter({ url: server.url, batch_size: 10, auth: { type: 'bearer', token: 'tok-abcdef' } });
    const run = exportRun();
    const result = await (await ex.open(run)).write(records(30), run.signal);
    const rejected = result?.rejected ?? [];
    expect(rejected.map((r) => r.record.id)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const error = rejected[0]!.error as ConnectorError & { status: number; responseBody: string };
    expect(error.message).toContain('answered HTTP 400: bad record');
    expect(error.message).not.toContain('tok-abcdef');
    expect(error.status).toBe(400);
    expect(error.responseBody.length).toBeLessThanOrEqual(1030);
    expect(error.retryable).toBe(false);
    expect(server.requests).toHaveLength(3);
    await ex.close();
  });

  it('a 500 is retried in place, alone, with the same key; the write resolves once it is acknowledged', async () => {
    // concurrency 1 sends in order: the second request (records 10..19) fails once.
    server = await startHttpReceiver((_req, res) => sendJson(res, {}), {
      fault: (_req, index) => (index === 1 ? { status: 500, body: 'boom' } : undefined),
    });
    const ex = exporter({ url: server.url, batch_size: 10, concurrency: 1 });
    const run = exportRun();
    const session = await ex.open(run);
    const batch = records(30);
    expect(await session.write(batch, run.signal)).toEqual({});
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(4);
    expect(keys[2]).toBe(keys[1]); // the failed request again, same key
    expect(new Set(keys).size).toBe(3);
    expect((bodies(server).slice(1) as DataRecord[][]).flat().map((r) => r.id)).toEqual([...batch.slice(10, 20), ...batch.slice(10)].map((r) => r.id));
    expect(run.logger.find('request failed, retrying', 'warn')).toHaveLength(1);
    await ex.close();
  });

  it('a request that keeps failing dead-letters its own records only; the acknowledged ones are not sent again', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, {}), {
      fault: (req) => ((JSON.parse(req.body) as DataRecord[]).some((r) => r.id === 15) ? { status: 503, body: 'not this one' } : undefined),
    });
    const ex = exporter({ url: server.url, batch_size: 5, concurrency: 2 });
    const run = exportRun();
    const result = await (await ex.open(run)).write(records(20), run.signal);
    expect(result.rejected?.map((r) => r.record.id)).toEqual([15, 16, 17, 18, 19]);
    expect(result.rejected?.[0]?.error.message).toMatch(/503: not this one/);
    // three attempts of the failing request, one of each other
    expect(server.requests).toHaveLength(3 + 3);
    const delivered = (bodies(server) as DataRecord[][]).filter((b) => !b.some((r) => r.id === 15)).flat().map((r) => r.id);
    expect(delivered.sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 15 }, (_, i) => i));
    await ex.close();
  });

  it('requests with the same body get different keys, in one write and after a failed one', async () => {
    // Repeated readings without an id: byte-identical bodies that are still different records.
    server = await startHttpReceiver((_req, res) => sendJson(res, {}), {
      fault: (req) => ((JSON.parse(req.body) as DataRecord).bad ? { status: 500, body: 'no' } : undefined),
    });
    const ex = exporter({ url: server.url, batch_size: 1, concurrency: 1 });
    const run = exportRun();
    const session = await ex.open(run);
    const same = { x: 1, bad: false };
    expect((await session.write([same, { x: 1, bad: true }], run.signal)).rejected).toHaveLength(1);
    expect(await session.write([{ ...same }, { ...same }], run.signal)).toEqual({});
    const sent = server.requests.filter((r) => !(JSON.parse(r.body) as DataRecord).bad);
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((r) => r.headers['idempotency-key'])).size).toBe(3);
    await ex.close();
  });

  it('429 carries Retry-After; a hang past the timeout and a dropped connection are retryable', async () => {
    const faults = { '/busy': { status: 429, headers: { 'retry-after': '3' } }, '/hang': 'hang', '/drop': 'drop' } as const;
    server = await startHttpReceiver(undefined, { fault: (req) => faults[req.url as keyof typeof faults] });
    const run = exportRun();
    // One attempt each: the error the records are dead-lettered with says whether a retry would have been taken.
    const once = { ...deps().settings, retry: { attempts: 1, initialDelay: 10, maxDelay: 100 } };
    const attempt = async (path: string, extra: Record<string, unknown> = {}) => {
      const ex = restExporter.create(restExporter.schema.parse({ url: `${server!.url}${path}`, ...extra }), deps({ settings: once }));
      const result = await (await ex.open(run)).write(records(3), run.signal);
      await ex.close();
      expect(result.rejected).toHaveLength(3);
      const error = result.rejected![0]!.error as ConnectorError;
      expect(error).toBeInstanceOf(ConnectorError);
      return error;
    };
    const busy = await attempt('/busy');
    expect([busy.retryable, busy.retryAfterMs]).toEqual([true, 3000]);
    const hang = await attempt('/hang', { timeout: '150ms' });
    expect(hang.retryable).toBe(true);
    expect(hang.message).toMatch(/no response within 150 ms/);
    expect((await attempt('/drop')).retryable).toBe(true);
  });

  it('honours Retry-After before retrying a request', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, {}), {
      fault: (_req, index) => (index === 0 ? { status: 503, headers: { 'retry-after': '1' } } : undefined),
    });
    const ex = exporter({ url: server.url });
    const run = exportRun();
    expect(await (await ex.open(run)).write(records(3), run.signal)).toEqual({});
    expect(server.requests).toHaveLength(2);
    expect(run.logger.find('request failed, retrying', 'warn')[0]?.fields.delay_ms).toBeGreaterThanOrEqual(1000);
    await ex.close();
  });

  it('rejects an unserialisable record alone and writes bigint as a string', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, {}));
    const ex = exporter({ url: server.url });
    const run = exportRun();
    const circular: DataRecord = { id: 'loop' };
    circular.self = circular;
    const result = await (await ex.open(run)).write([{ id: 1n }, circular, { id: 2 }], run.signal);
    expect(result?.rejected?.map((r) => r.record.id)).toEqual(['loop']);
    expect(bodies(server)).toEqual([[{ id: '1' }, { id: 2 }]]);
    await ex.close();
  });

  it('check() never sends records: HEAD tolerates 405, refuses 401; health_url must be 2xx', async () => {
    server = await startHttpReceiver((req, res) => {
      if (req.url === '/health') sendJson(res, { ok: true });
      else if (req.url === '/private') sendJson(res, {}, 401);
      else if (req.url === '/sick') sendJson(res, {}, 503);
      else sendJson(res, {}, req.method === 'HEAD' ? 405 : 200);
    });
    const signal = AbortSignal.timeout(5000);
    await exporter({ url: `${server.url}/alerts` }).check?.(signal);
    await exporter({ url: `${server.url}/alerts`, health_url: `${server.url}/health` }).check?.(signal);
    await expect(exporter({ url: `${server.url}/private`, auth: { type: 'bearer', token: 'tok-abcdef' } }).check?.(signal)).rejects.toThrow(
      /credentials refused \(401\)/,
    );
    await expect(exporter({ url: `${server.url}/x`, health_url: `${server.url}/sick` }).check?.(signal)).rejects.toThrow(/503/);
    expect(server.requests.every((r) => r.method === 'HEAD' && r.body === '')).toBe(true);
  });

  it('an aborted signal settles the write without sending: every record comes back rejected', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, {}));
    const ex = exporter({ url: server.url });
    const run = exportRun();
    run.controller.abort();
    const result = await (await ex.open(run)).write(records(5), run.signal);
    expect(result.rejected).toHaveLength(5);
    expect(server.requests).toHaveLength(0);
    await ex.close();
  });
});
