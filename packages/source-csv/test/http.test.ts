import { brotliCompressSync, constants as zlibConstants, createGzip, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { startHttpServer, type HttpTestServer } from '@sluice/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError, describeError, isRetryable } from '@sluice/core';
import { makeSource, readAll } from './helpers.js';

let server: HttpTestServer;
const seen: { method?: string; auth?: string; range?: string; acceptEncoding?: string }[] = [];
const BIG_ROWS = 50_000;
/** A small file with a quoted comma, a quoted line break and non-ASCII text. */
const SMALL = 'id,name\n1,Zoë\n2,"a,b"\n3,"multi\nline"\n4,日本語\n';
const SMALL_RECORDS = [
  { id: '1', name: 'Zoë' },
  { id: '2', name: 'a,b' },
  { id: '3', name: 'multi\nline' },
  { id: '4', name: '日本語' },
];
/** Many rows, so a compressed body spans many chunks. */
const MANY = `id,v\n${Array.from({ length: 20_000 }, (_, i) => `${i},row-${i}`).join('\n')}\n`;
const gzip = (text: string) => gzipSync(text, { level: 1 });
const br = (bytes: string | Buffer) => brotliCompressSync(bytes, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } });
/** Bodies sent with a Content-Encoding, whatever the request's Accept-Encoding (as S3 or a CDN serve objects stored compressed). */
const ENCODED: Record<string, [string | undefined, Buffer]> = {
  '/gzip.csv': ['gzip', gzip(SMALL)],
  '/x-gzip.csv': ['x-gzip', gzip(SMALL)],
  '/deflate.csv': ['deflate', deflateSync(SMALL)],
  '/deflate-raw.csv': ['deflate', deflateRawSync(SMALL)],
  '/br.csv': ['br', br(SMALL)],
  '/identity.csv': ['identity', Buffer.from(SMALL)],
  '/stacked.csv': ['gzip, br', br(gzip(SMALL))],
  '/stacked-headers.csv': ['GZIP ,  identity,Br', br(gzip(SMALL))],
  '/many.csv': ['gzip', gzip(MANY)],
  '/zstd.csv': ['zstd', Buffer.from('(\xb5/\xfd')],
  '/corrupt.csv': ['gzip', Buffer.concat([gzip(SMALL).subarray(0, 10), Buffer.from('not gzip at all, but text that looks like csv\n1,2\n')])],
  '/truncated.csv': ['gzip', gzip(MANY).subarray(0, 2000)],
  '/not-gzip.csv': ['gzip', Buffer.from(SMALL)],
  // A .gz file as a file: served with no Content-Encoding, or labelled (and so decoded) like Apache's `AddEncoding x-gzip .gz`.
  '/file.csv.gz': [undefined, gzip(SMALL)],
  '/labelled.csv.GZ': ['x-gzip', gzip(SMALL)],
  '/plain.csv.gz': [undefined, Buffer.from(SMALL)],
};

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    seen.push({ method: req.method, auth: req.headers.authorization, range: req.headers.range, acceptEncoding: req.headers['accept-encoding'] });
    const url = new URL(req.url ?? '/', 'http://x');
    const encoded = ENCODED[url.pathname];
    if (encoded) {
      res.writeHead(200, { 'content-type': 'text/csv', ...(encoded[0] ? { 'content-encoding': encoded[0] } : {}), 'content-length': encoded[1].length }).end(encoded[1]);
      return;
    }
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
      case '/negotiated.csv':
        if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzip(SMALL));
        else res.writeHead(200).end(SMALL);
        return;
      case '/moved-gzip.csv':
        res.writeHead(302, { location: '/negotiated.csv' }).end();
        return;
      case '/midclose.csv':
      case '/midclose-gzip.csv': {
        // Rows, then the connection dies before the (chunked) body is complete.
        const gz = url.pathname === '/midclose-gzip.csv';
        res.writeHead(200, gz ? { 'content-encoding': 'gzip' } : {});
        res.write(gz ? gzip(MANY).subarray(0, 20_000) : MANY);
        setTimeout(() => res.socket?.destroy(), 50);
        return;
      }
      case '/stall.csv':
        res.writeHead(200);
        res.write('id,v\n1,a\n');
        setTimeout(() => res.end('2,b\n'), 2000).unref();
        return;
      case '/moved.csv':
        res.writeHead(302, { location: '/data.csv' }).end();
        return;
      case '/big.csv': {
        const gz = url.searchParams.has('gzip');
        res.writeHead(200, gz ? { 'content-encoding': 'gzip' } : {});
        const out = gz ? createGzip() : res;
        if (gz) out.pipe(res);
        let i = 0;
        const pump = () => {
          while (i < BIG_ROWS) {
            if (!out.write(`${i},row-${i}\n`)) {
              i++;
              out.once('drain', pump);
              return;
            }
            i++;
          }
          out.end();
        };
        out.write('id,v\n');
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

  it.each(['/big.csv', '/big.csv?gzip'])('aborting mid-read stops the download (%s)', async (file) => {
    const source = makeSource({ url: `${server.url}${file}` }, '/');
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

describe('http(s) URL: Content-Encoding', () => {
  const read = async (file: string, options: Record<string, unknown> = {}) => {
    const source = makeSource({ url: `${server.url}${file}`, ...options }, '/');
    try {
      return await readAll(source);
    } finally {
      await source.close();
    }
  };
  const failure = async (file: string, options: Record<string, unknown> = {}) => {
    const error = await read(file, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectorError);
    return error as ConnectorError;
  };

  it.each(['/gzip.csv', '/x-gzip.csv', '/deflate.csv', '/deflate-raw.csv', '/br.csv', '/identity.csv', '/stacked.csv', '/stacked-headers.csv', '/file.csv.gz', '/labelled.csv.GZ', '/plain.csv.gz'])(
    'decodes %s',
    async (file) => {
      const { records, ctx } = await read(file);
      expect(records).toEqual(SMALL_RECORDS);
      expect(ctx.rejected).toEqual([]);
    },
  );

  it('decodes a compressed body of many chunks completely', async () => {
    const { records, ctx } = await read('/many.csv');
    expect(records).toHaveLength(20_000);
    expect(records.at(-1)).toEqual({ id: '19999', v: 'row-19999' });
    expect(ctx.rejected).toEqual([]);
  });

  it('offers gzip, deflate and br, also through a redirect, unless a configured header says otherwise', async () => {
    expect((await read('/moved-gzip.csv')).records).toEqual(SMALL_RECORDS);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', acceptEncoding: 'gzip, deflate, br' });
    expect((await read('/negotiated.csv', { headers: { 'Accept-Encoding': 'identity' } })).records).toEqual(SMALL_RECORDS);
    expect(seen.at(-1)?.acceptEncoding).toBe('identity');
  });

  it('fails for good on an encoding it cannot decode, naming the datasource, URL and encoding', async () => {
    const error = await failure('/zstd.csv?token=s3cret');
    expect(error.message).toBe(
      `datasources.readings: GET ${server.url}/zstd.csv?token=***: content-encoding "zstd" is not supported (only gzip, deflate and br are)`,
    );
    expect(isRetryable(error)).toBe(false);
  });

  it.each(['/corrupt.csv', '/truncated.csv', '/not-gzip.csv'])('fails for good on a body that does not decode (%s), not with garbage records', async (file) => {
    const source = makeSource({ url: `${server.url}${file}` }, '/');
    const { makeReadContext } = await import('@sluice/testkit');
    const ctx = makeReadContext({ batchSize: 100_000 });
    const error = await (async () => {
      for await (const _ of source.read(ctx)) {
        // Nothing is expected before the failure.
      }
    })().catch((e: unknown) => e);
    await source.close();
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toMatch(
      new RegExp(`^datasources\\.readings: GET ${server.url}${file}: the gzip-encoded body does not decode \\(.+\\); is it corrupt or cut short\\?$`),
    );
    expect(isRetryable(error)).toBe(false);
    expect(ctx.rejected).toEqual([]);
  });
});

describe('http(s) URL: failures during the download', () => {
  it('a connection closed mid-body names the datasource, the URL (redacted) and how much arrived', async () => {
    const url = server.url.replace('http://', 'http://user:pa55@');
    const source = makeSource({ url: `${url}/midclose.csv?token=s3cret` }, '/');
    const error = await readAll(source).catch((e: unknown) => e);
    await source.close();
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toBe(
      `datasources.readings: GET ${url.replace('user:pa55', '***:***')}/midclose.csv?token=***: connection closed after ${Buffer.byteLength(MANY)} bytes (UND_ERR_SOCKET)`,
    );
    expect(describeError(error)).not.toMatch(/pa55|s3cret/);
    expect(isRetryable(error)).toBe(true);
  });

  it('a connection closed mid-body of a compressed download is a network error, not a corrupt body', async () => {
    const error = await readAll(makeSource({ url: `${server.url}/midclose-gzip.csv` }, '/')).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`datasources.readings: GET ${server.url}/midclose-gzip.csv: connection closed after 20000 bytes (UND_ERR_SOCKET)`);
    expect(isRetryable(error)).toBe(true);
  });

  it('a body that stalls longer than timeout names the datasource, the URL and the wait', async () => {
    const error = await readAll(makeSource({ url: `${server.url}/stall.csv`, timeout: 0.3 }, '/')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(describeError(error)).toBe(`datasources.readings: GET ${server.url}/stall.csv: no data for 300 ms after 9 bytes`);
    expect(isRetryable(error)).toBe(true);
  });
});
