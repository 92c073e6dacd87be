import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { sendJson, startHttpReceiver } from '../src/index.js';

interface Reply {
  readonly status?: number;
  readonly headers?: Record<string, string | string[] | undefined>;
  readonly body?: string;
  readonly error?: string;
}

/** One POST with node:http; a hang ends at `timeoutMs`. */
function post(url: string, body: string, timeoutMs = 2000): Promise<Reply> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-key': 'k1' }, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error) => resolve({ status: res.statusCode, error: error.message }));
      res.on('aborted', () => resolve({ status: res.statusCode, error: 'aborted' }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ error: error.message }));
    req.end(body);
  });
}

describe('startHttpReceiver', () => {
  it('records every request with its body and answers with the handler (204 without one)', async () => {
    const plain = await startHttpReceiver();
    expect((await post(`${plain.url}/a?x=1`, '{"n":1}')).status).toBe(204);
    expect(plain.requests).toEqual([{ method: 'POST', url: '/a?x=1', headers: expect.objectContaining({ 'x-key': 'k1' }), body: '{"n":1}' }]);
    await plain.close();

    const echo = await startHttpReceiver((req, res) => sendJson(res, { got: JSON.parse(req.body) as unknown }, 201, { 'x-echo': 'yes' }));
    const reply = await post(echo.url, '[1,2]');
    expect([reply.status, reply.headers?.['x-echo'], reply.body]).toEqual([201, 'yes', '{"got":[1,2]}']);
    await echo.close();
  });

  it('queued faults come first, one per request: status with headers, hang, drop, truncate', async () => {
    const api = await startHttpReceiver((_req, res) => sendJson(res, []));
    api.failNext({ status: 429, headers: { 'retry-after': '3' }, body: 'slow' }, 'hang', 'drop', 'truncate');
    const busy = await post(api.url, '1');
    expect([busy.status, busy.headers?.['retry-after'], busy.body]).toEqual([429, '3', 'slow']);
    expect((await post(api.url, '2', 200)).error).toBe('timeout');
    expect((await post(api.url, '3')).error).toMatch(/socket hang up|ECONNRESET/);
    expect((await post(api.url, '4')).error).toBeDefined();
    expect((await post(api.url, '5')).body).toBe('[]');
    expect(api.requests.map((r) => r.body)).toEqual(['1', '2', '3', '4', '5']);
    await api.close();
  });

  it('a fault function sees each request and its index; a throwing handler answers 500', async () => {
    const api = await startHttpReceiver(
      () => {
        throw new Error('handler broke');
      },
      { fault: (req, index) => (req.body.includes('bad') ? { status: 400, body: `no ${index}` } : undefined) },
    );
    expect(await post(api.url, 'bad')).toMatchObject({ status: 400, body: 'no 0' });
    expect(await post(api.url, 'fine')).toMatchObject({ status: 500, body: 'Error: handler broke' });
    await api.close();
    await api.close();
  });
});
