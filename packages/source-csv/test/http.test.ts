import { startHttpServer, type HttpTestServer } from '@sluice/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, isRetryable } from '@sluice/core';
import { makeSource, readAll } from './helpers.js';

let server: HttpTestServer;
const seen: { method?: string; auth?: string; range?: string }[] = [];
const BIG_ROWS = 50_000;

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    seen.push({ method: req.method, auth: req.headers.authorization, range: req.headers.range });
    const url = new URL(req.url ?? '/', 'http://x');
    switch (url.pathname) {
      case '/data.csv':
        res.writeHead(200, { 'content-type': 'text/csv' });
        // Chunks split inside a quoted field and a CRLF.
        res.write('id,note\r\n1,"a,');
        setTimeout(() => res.end('b"\r\n2,c\r\n'), 5);
        return;
      case '/missing.csv':
        res.writeHead(404).end('no');
        return;
      case '/broken.csv':
        res.writeHead(500).end('oops');
        return;
      case '/busy.csv':
        res.writeHead(429, { 'retry-after': '7' }).end();
        return;
      case '/no-head.csv':
        if (req.method === 'HEAD') res.writeHead(405).end();
        else res.writeHead(206).end('i');
        return;
      case '/moved.csv':
        res.writeHead(302, { location: '/data.csv' }).end();
        return;
      case '/big.csv': {
        res.writeHead(200);
        let i = 0;
        const pump = () => {
          while (i < BIG_ROWS) {
            if (!res.write(`${i},row-${i}\n`)) {
              i++;
              res.once('drain', pump);
              return;
            }
            i++;
          }
          res.end();
        };
        res.write('id,v\n');
        pump();
        return;
      }
      default:
        res.writeHead(404).end();
    }
  });
});
afterAll(() => server.close());

describe('http(s) URL', () => {
  it('streams a CSV over HTTP, chunk boundaries anywhere', async () => {
    const source = makeSource({ url: `${server.url}/data.csv`, source_field: 'from' }, '/');
    const { records } = await readAll(source);
    expect(records).toEqual([
      { id: '1', note: 'a,b', from: `${server.url}/data.csv:2` },
      { id: '2', note: 'c', from: `${server.url}/data.csv:3` },
    ]);
    await source.close();
    await source.close();
  });

  it('sends headers, turns URL credentials into Basic auth and keeps them out of locations', async () => {
    const withHeader = makeSource({ url: `${server.url}/data.csv`, headers: { Authorization: 'Bearer s3cret' } }, '/');
    await readAll(withHeader);
    expect(seen.at(-1)?.auth).toBe('Bearer s3cret');
    const url = server.url.replace('http://', 'http://user:pa55@');
    const withCreds = makeSource({ url: `${url}/data.csv?token=abc`, source_field: 'from' }, '/');
    const { records } = await readAll(withCreds);
    expect(seen.at(-1)?.auth).toBe(`Basic ${Buffer.from('user:pa55').toString('base64')}`);
    expect(String(records[0]!.from)).not.toMatch(/pa55|abc/);
    await withHeader.close();
    await withCreds.close();
  });

  it('follows redirects', async () => {
    const { records } = await readAll(makeSource({ url: `${server.url}/moved.csv` }, '/'));
    expect(records).toHaveLength(2);
  });

  it('404 fails for good, naming the URL and status', async () => {
    const error = await readAll(makeSource({ url: `${server.url}/missing.csv` }, '/')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toBe(`datasources.readings: GET ${server.url}/missing.csv answered HTTP 404`);
    expect(isRetryable(error)).toBe(false);
  });

  it('500 and 429 are retryable, 429 with Retry-After', async () => {
    const e500 = await readAll(makeSource({ url: `${server.url}/broken.csv` }, '/')).catch((e: unknown) => e);
    expect(isRetryable(e500)).toBe(true);
    const e429 = (await readAll(makeSource({ url: `${server.url}/busy.csv` }, '/')).catch((e: unknown) => e)) as ConnectorError;
    expect(isRetryable(e429)).toBe(true);
    expect(e429.retryAfterMs).toBe(7000);
  });

  it('a refused connection is a retryable error', async () => {
    const closed = await startHttpServer((_req, res) => res.end());
    const url = `${closed.url}/x.csv`;
    await closed.close();
    const error = await readAll(makeSource({ url }, '/')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(isRetryable(error)).toBe(true);
  });

  it('check() uses HEAD, falling back to a one-byte GET', async () => {
    await makeSource({ url: `${server.url}/data.csv` }, '/').check(new AbortController().signal);
    expect(seen.at(-1)?.method).toBe('HEAD');
    await makeSource({ url: `${server.url}/no-head.csv` }, '/').check(new AbortController().signal);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', range: 'bytes=0-0' });
    await expect(makeSource({ url: `${server.url}/missing.csv` }, '/').check(new AbortController().signal)).rejects.toThrow(/HTTP 404/);
  });

  it('aborting mid-read stops the download', async () => {
    const source = makeSource({ url: `${server.url}/big.csv` }, '/');
    const controller = new AbortController();
    let seenRows = 0;
    const error = await (async () => {
      const { makeReadContext } = await import('@sluice/testkit');
      const ctx = makeReadContext({ batchSize: 100, signal: controller.signal });
      for await (const batch of source.read(ctx)) {
        seenRows += batch.length;
        if (seenRows >= 1000) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(seenRows).toBeLessThan(BIG_ROWS);
    await source.close();
  });
});
