import { ConnectorError } from '@sluice/core';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import restSource from '@sluice/source-rest';
import { makeReadContext, sendJson, startHttpReceiver, type HttpReceiver } from '@sluice/testkit';
import { collect, deps } from './helpers.js';

let server: HttpReceiver | undefined;
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
    server = await startHttpReceiver((req, res) =>
      req.url === '/one' ? sendJson(res, { id: 1, nested: { v: 2 } }) : sendJson(res, [{ a: 1 }, { a: 2 }, 7, { a: 3 }, null, { a: 4 }, { a: 5 }]),
    );
    const one = source({ url: `${server.url}/one` });
    expect(await collect(one.read(makeReadContext()))).toEqual([[{ id: 1, nested: { v: 2 } }]]);
    const many = source({ url: `${server.url}/many` });
    const ctx = makeReadContext({ batchSize: 2 });
    expect((await collect(many.read(ctx))).map((b) => b.length)).toEqual([2, 2, 1]);
    expect(ctx.rejected.map((r) => r.input)).toEqual([7, null]);
    await one.close?.();
    await many.close?.();
  });

  it('a missing records_path names the URL, status and path', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, { data: { rows: [] } }));
    const src = source({ url: `${server.url}/x?api_key=supersecret`, records_path: 'data.items' });
    const error = await failure(collect(src.read(makeReadContext())));
    expect(error.message).toContain('datasources.api');
    expect(error.message).toContain('records_path "data.items"');
    expect(error.message).toContain('status 200');
    expect(error.message).toContain(`${server.url}/x?api_key=***`);
    expect(error.message).not.toContain('supersecret');
    expect(error.retryable).toBe(false);
    await src.close?.();
  });

  it('an empty body (204 No Content) is an empty last page, with or without records_path', async () => {
    server = await startHttpReceiver((req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'));
      if (page === 1) return sendJson(res, { data: [{ page }] });
      // A next link on the empty page is not followed: there is nothing to page through.
      res.writeHead(req.url?.startsWith('/blank') ? 200 : 204, { link: `</?page=${page + 1}>; rel="next"` }).end(req.url?.startsWith('/blank') ? ' \n' : '');
    });
    for (const [path, records_path] of [['/no-content', 'data'], ['/blank', 'data'], ['/no-content', undefined]] as const) {
      const src = source({ url: `${server.url}${path}`, ...(records_path ? { records_path } : {}), pagination: { type: 'page' } });
      const records = (await collect(src.read(makeReadContext()))).flat();
      expect(records).toEqual(records_path ? [{ page: 1 }] : [{ data: [{ page: 1 }] }]);
      expect(server.requests.at(-1)?.url).toBe(`${path}?page=2`);
      await src.close?.();
    }
    const link = source({ url: `${server.url}/no-content?page=2`, records_path: 'data', pagination: { type: 'link' } });
    expect(await collect(link.read(makeReadContext()))).toEqual([]);
    expect(server.requests.at(-1)?.url).toBe('/no-content?page=2');
    await link.close?.();
  });

  it('a non-JSON body is an error naming URL and status', async () => {
    server = await startHttpReceiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    });
    const src = source({ url: server.url });
    const error = await failure(collect(src.read(makeReadContext())));
    expect(error.message).toMatch(/not JSON \(text\/html\)/);
    expect(error.message).toContain(server.url);
    await src.close?.();
  });

  it('sends method, body, headers and each auth style; secrets never appear in errors', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, { error: 'nope' }, 403));
    const cases = [
      [{ type: 'bearer', token: 'tok-123456' }, 'authorization', 'Bearer tok-123456'],
      [{ type: 'basic', username: 'u', password: 'pw-123456' }, 'authorization', `Basic ${Buffer.from('u:pw-123456').toString('base64')}`],
      [{ type: 'header', name: 'X-API-Key', value: 'key-123456' }, 'x-api-key', 'key-123456'],
    ] as const;
    for (const [auth, header, value] of cases) {
      const src = source({ url: server.url, method: 'POST', body: { q: 'x' }, headers: { 'X-Trace': 't' }, auth });
      const error = await failure(collect(src.read(makeReadContext())));
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
    server = await startHttpReceiver((req, res) => {
      if (req.url === '/busy') sendJson(res, { e: 1 }, 429, { 'retry-after': '7' });
      else if (req.url === '/down') sendJson(res, { e: 1 }, 503);
      else sendJson(res, { e: 1 }, 404);
    });
    const read = (path: string) => failure(collect(source({ url: `${server!.url}${path}` }).read(makeReadContext())));
    const busy = await read('/busy');
    expect([busy.retryable, busy.retryAfterMs]).toEqual([true, 7000]);
    expect((await read('/down')).retryable).toBe(true);
    expect((await read('/gone')).retryable).toBe(false);
  });

  it('a server that hangs past the timeout is a retryable timeout', async () => {
    server = await startHttpReceiver(undefined, { fault: () => 'hang' });
    const src = source({ url: server.url, timeout: '200ms' });
    const error = await failure(collect(src.read(makeReadContext())));
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/no response within 200 ms/);
    await src.close?.();
  });

  it('a connection closed mid-response is retryable', async () => {
    server = await startHttpReceiver(undefined, { fault: () => 'truncate' });
    const src = source({ url: server.url });
    const error = await failure(collect(src.read(makeReadContext())));
    expect(error.retryable).toBe(true);
    await src.close?.();
  });

  it('a cancelled signal stops reading between pages', async () => {
    const controller = new AbortController();
    server = await startHttpReceiver((req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'));
      if (page === 2) controller.abort();
      sendJson(res, [{ page }]);
    });
    const src = source({ url: server.url, pagination: { type: 'page' } });
    const ctx = makeReadContext({ signal: controller.signal });
    const seen: unknown[] = [];
    await collect(src.read(ctx))
      .then((b) => seen.push(...b.flat()))
      .catch((e: unknown) => seen.push(e));
    expect(server.requests.length).toBeLessThanOrEqual(2);
    await src.close?.();
  });

  it('uses an injected dispatcher, check() probes, close() twice is safe', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, []));
    const agent = new Agent();
    const src = source({ url: server.url }, agent);
    await src.check?.(AbortSignal.timeout(5000));
    await collect(src.read(makeReadContext()));
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
    const busy = { status: 503, headers: { 'retry-after': '0' }, body: 'busy' } as const;
    server = await startHttpReceiver(
      (req, res) => {
        const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'));
        sendJson(res, page <= 3 ? [{ page }] : []);
      },
      { fault: (req) => (req.url.includes('page=2') && failures++ < 2 ? busy : undefined) },
    );
    const src = source({ url: server.url, pagination: { type: 'page' } });
    const ctx = makeReadContext();
    expect((await collect(src.read(ctx))).flat()).toEqual([{ page: 1 }, { page: 2 }, { page: 3 }]);
    expect(ctx.logger.lines.filter((e) => e.level === 'warn' && /page 2 failed, retrying/.test(e.msg))).toHaveLength(2);
    await src.close?.();
  });

  it('leaves the first page to the runner: it fails at once', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, {}, 503));
    const src = source({ url: server.url, pagination: { type: 'page' } });
    await failure(collect(src.read(makeReadContext())));
    expect(server.requests).toHaveLength(1);
    await src.close?.();
  });
});
