import { ConnectorError } from '@sluice/core';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import restSource from '@sluice/source-rest';
import { collect, deps, json, readContext, startServer, type TestServer } from './helpers.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function source(options: Record<string, unknown>, client?: unknown) {
  return restSource.create(restSource.schema.parse(options), deps(client ? { client } : {}));
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe('responses', () => {
  it('a single object is one record; batches split by ctx.batchSize; non-objects are rejected', async () => {
    server = await startServer((req, res) =>
      req.url === '/one' ? json(res, { id: 1, nested: { v: 2 } }) : json(res, [{ a: 1 }, { a: 2 }, 7, { a: 3 }, null, { a: 4 }, { a: 5 }]),
    );
    const one = source({ url: `${server.url}/one` });
    expect(await collect(one.read(readContext().ctx))).toEqual([[{ id: 1, nested: { v: 2 } }]]);
    const many = source({ url: `${server.url}/many` });
    const { ctx, rejected } = readContext({ batchSize: 2 });
    expect((await collect(many.read(ctx))).map((b) => b.length)).toEqual([2, 2, 1]);
    expect(rejected.map((r) => r.input)).toEqual([7, null]);
    await one.close?.();
    await many.close?.();
  });

  it('a missing records_path names the URL, status and path', async () => {
    server = await startServer((_req, res) => json(res, { data: { rows: [] } }));
    const src = source({ url: `${server.url}/x?api_key=supersecret`, records_path: 'data.items' });
    const error = await failure(collect(src.read(readContext().ctx)));
    expect(error.message).toContain('datasources.api');
    expect(error.message).toContain('records_path "data.items"');
    expect(error.message).toContain('status 200');
    expect(error.message).toContain(`${server.url}/x?api_key=***`);
    expect(error.message).not.toContain('supersecret');
    expect(error.retryable).toBe(false);
    await src.close?.();
  });

  it('a non-JSON body is an error naming URL and status', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const src = source({ url: server.url });
    const error = await failure(collect(src.read(readContext().ctx)));
    expect(error.message).toMatch(/not JSON \(text\/html\)/);
    expect(error.message).toContain(server.url);
    await src.close?.();
  });

  it('sends method, body, headers and each auth style; secrets never appear in errors', async () => {
    server = await startServer((_req, res) => json(res, { error: 'nope' }, 403));
    const cases = [
      [{ type: 'bearer', token: 'tok-123456' }, 'authorization', 'Bearer tok-123456'],
      [{ type: 'basic', username: 'u', password: 'pw-123456' }, 'authorization', `Basic ${Buffer.from('u:pw-123456').toString('base64')}`],
      [{ type: 'header', name: 'X-API-Key', value: 'key-123456' }, 'x-api-key', 'key-123456'],
    ] as const;
    for (const [auth, header, value] of cases) {
      const src = source({ url: server.url, method: 'POST', body: { q: 'x' }, headers: { 'X-Trace': 't' }, auth });
      const error = await failure(collect(src.read(readContext().ctx)));
      const sent = server.requests.at(-1)!;
      expect(sent.method).toBe('POST');
      expect(JSON.parse(sent.body)).toEqual({ q: 'x' });
      expect(sent.headers['x-trace']).toBe('t');
      expect(sent.headers[header]).toBe(value);
      expect(error.message).toContain('403');
      expect(error.retryable).toBe(false);
      expect(error.message).not.toContain('123456');
      await src.close?.();
    }
  });

  it('classifies 5xx and 429 (with Retry-After) as retryable, 404 as not', async () => {
    server = await startServer((req, res) => {
      if (req.url === '/busy') json(res, { e: 1 }, 429, { 'retry-after': '7' });
      else if (req.url === '/down') json(res, { e: 1 }, 503);
      else json(res, { e: 1 }, 404);
    });
    const read = (path: string) => failure(collect(source({ url: `${server!.url}${path}` }).read(readContext().ctx)));
    const busy = await read('/busy');
    expect([busy.retryable, busy.retryAfterMs]).toEqual([true, 7000]);
    expect((await read('/down')).retryable).toBe(true);
    expect((await read('/gone')).retryable).toBe(false);
  });

  it('a server that hangs past the timeout is a retryable timeout', async () => {
    server = await startServer(() => undefined); // never answers
    const src = source({ url: server.url, timeout: '200ms' });
    const error = await failure(collect(src.read(readContext().ctx)));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/no response within 200 ms/);
    await src.close?.();
  });

  it('a connection closed mid-response is retryable', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('[{"a":1},');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const src = source({ url: server.url });
    const error = await failure(collect(src.read(readContext().ctx)));
    expect(error.retryable).toBe(true);
    await src.close?.();
  });

  it('a cancelled signal stops reading between pages', async () => {
    const controller = new AbortController();
    server = await startServer((req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'));
      if (page === 2) controller.abort();
      json(res, [{ page }]);
    });
    const src = source({ url: server.url, pagination: { type: 'page' } });
    const { ctx } = readContext({ signal: controller.signal });
    const seen: unknown[] = [];
    await collect(src.read(ctx))
      .then((b) => seen.push(...b.flat()))
      .catch((e: unknown) => seen.push(e));
    expect(server.requests.length).toBeLessThanOrEqual(2);
    await src.close?.();
  });

  it('uses an injected dispatcher, check() probes, close() twice is safe', async () => {
    server = await startServer((_req, res) => json(res, []));
    const agent = new Agent();
    const src = source({ url: server.url }, agent);
    await src.check?.(AbortSignal.timeout(5000));
    await collect(src.read(readContext().ctx));
    await src.close?.();
    await src.close?.();
    expect(agent.closed).toBe(false); // the caller's to close
    await agent.close();
    expect(src.explain?.(undefined)).toContain('GET');
  });
});

describe('retries', () => {
  it('retries a failing later page in place (core policy) and yields each page once', async () => {
    let failures = 0;
    server = await startServer((req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'));
      if (page === 2 && failures < 2) {
        failures++;
        json(res, { e: 'busy' }, 503, { 'retry-after': '0' });
      } else json(res, page <= 3 ? [{ page }] : []);
    });
    const src = source({ url: server.url, pagination: { type: 'page' } });
    const { ctx, logger } = readContext();
    expect((await collect(src.read(ctx))).flat()).toEqual([{ page: 1 }, { page: 2 }, { page: 3 }]);
    expect(logger.entries.filter((e) => e.level === 'warn' && /page 2 failed, retrying/.test(e.msg ?? ''))).toHaveLength(2);
    await src.close?.();
  });

  it('leaves the first page to the runner: it fails at once', async () => {
    server = await startServer((_req, res) => json(res, {}, 503));
    const src = source({ url: server.url, pagination: { type: 'page' } });
    await failure(collect(src.read(readContext().ctx)));
    expect(server.requests).toHaveLength(1);
    await src.close?.();
  });
});
