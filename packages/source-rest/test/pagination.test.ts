import { afterEach, describe, expect, it } from 'vitest';
import restSource from '@sluice/source-rest';
import { makeReadContext, sendJson, startHttpReceiver, type HttpReceiver } from '@sluice/testkit';
import { collect, deps } from './helpers.js';

const items = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, value: i * 100 }));
let server: HttpReceiver | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function source(options: Record<string, unknown>) {
  return restSource.create(restSource.schema.parse(options), deps());
}

describe('pagination', () => {
  it('page: numbers pages until an empty last page', async () => {
    server = await startHttpReceiver((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const page = Number(u.searchParams.get('page'));
      const size = Number(u.searchParams.get('per_page'));
      sendJson(res, { data: { items: items.slice((page - 1) * size, page * size) } });
    });
    const src = source({
      url: `${server.url}/items`,
      records_path: 'data.items',
      pagination: { type: 'page', size_param: 'per_page', page_size: 10 },
    });
    const ctx = makeReadContext();
    const batches = await collect(src.read(ctx));
    expect(batches.flat()).toEqual(items);
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    // 3 pages with data + the empty page that ends the read
    expect(server.requests.map((r) => r.url)).toEqual([
      '/items?page=1&per_page=10',
      '/items?page=2&per_page=10',
      '/items?page=3&per_page=10',
      '/items?page=4&per_page=10',
    ]);
    await src.close?.();
  });

  it('page: stop_on_short_page saves the empty request', async () => {
    server = await startHttpReceiver((req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page'));
      sendJson(res, items.slice(page * 10, page * 10 + 10));
    });
    const src = source({
      url: server.url,
      pagination: { type: 'page', start: 0, page_size: 10, stop_on_short_page: true },
    });
    expect((await collect(src.read(makeReadContext()))).flat()).toEqual(items);
    expect(server.requests).toHaveLength(3);
    await src.close?.();
  });

  it('offset: advances by the records received (a server capping the limit loses nothing)', async () => {
    server = await startHttpReceiver((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const offset = Number(u.searchParams.get('offset'));
      const limit = Math.min(7, Number(u.searchParams.get('limit'))); // caps at 7
      sendJson(res, { results: items.slice(offset, offset + limit) });
    });
    const src = source({ url: server.url, records_path: 'results', pagination: { type: 'offset', limit: 10 } });
    const batches = await collect(src.read(makeReadContext()));
    expect(batches.flat()).toEqual(items);
    expect(server.requests.at(-1)?.url).toBe('/?offset=25&limit=10');
    await src.close?.();
  });

  it('stop_on_short_page learns a server cap on the page size instead of stopping after the first page', async () => {
    const ten = items.slice(0, 10);
    server = await startHttpReceiver((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const limit = Math.min(4, Number(u.searchParams.get('limit') ?? u.searchParams.get('page_size'))); // caps at 4
      const offset = u.searchParams.has('offset') ? Number(u.searchParams.get('offset')) : (Number(u.searchParams.get('page')) - 1) * limit;
      sendJson(res, ten.slice(offset, offset + limit));
    });
    const offset = source({ url: server.url, pagination: { type: 'offset', limit: 5, stop_on_short_page: true } });
    expect((await collect(offset.read(makeReadContext()))).flat()).toEqual(ten);
    // 4, 4, then 2: shorter than the 4 seen before, so no empty request follows.
    expect(server.requests.map((r) => r.url)).toEqual(['/?offset=0&limit=5', '/?offset=4&limit=5', '/?offset=8&limit=5']);
    const page = source({ url: server.url, pagination: { type: 'page', page_size: 5, stop_on_short_page: true } });
    expect((await collect(page.read(makeReadContext()))).flat()).toEqual(ten);
    expect(server.requests).toHaveLength(6);
    await offset.close?.();
    await page.close?.();
  });

  it('stop_on_short_page: a short first page is confirmed by one more request', async () => {
    server = await startHttpReceiver((req, res) => {
      const offset = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('offset'));
      sendJson(res, items.slice(offset, Math.min(offset + 10, 3)));
    });
    const src = source({ url: server.url, pagination: { type: 'offset', limit: 10, stop_on_short_page: true } });
    expect((await collect(src.read(makeReadContext()))).flat()).toEqual(items.slice(0, 3));
    expect(server.requests.map((r) => r.url)).toEqual(['/?offset=0&limit=10', '/?offset=3&limit=10']);
    await src.close?.();
  });

  it('cursor: follows the next cursor from the body, keeps configured query params', async () => {
    server = await startHttpReceiver((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const at = Number(u.searchParams.get('after') ?? 0);
      const next = at + 10 < items.length ? String(at + 10) : null;
      sendJson(res, { data: items.slice(at, at + 10), meta: { next_cursor: next } });
    });
    const src = source({
      url: `${server.url}/v1/things`,
      query: { status: 'open' },
      records_path: 'data',
      pagination: { type: 'cursor', cursor_path: 'meta.next_cursor', cursor_param: 'after' },
    });
    expect((await collect(src.read(makeReadContext()))).flat()).toEqual(items);
    expect(server.requests.map((r) => r.url)).toEqual([
      '/v1/things?status=open',
      '/v1/things?status=open&after=10',
      '/v1/things?status=open&after=20',
    ]);
    await src.close?.();
  });

  it('link: follows rel="next" (relative and absolute) until absent', async () => {
    server = await startHttpReceiver((req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('p') ?? 1);
      const links = [`<${page === 1 ? '/list?p=2' : `${server!.url}/list?p=${page + 1}`}>; rel="next"`, '</list?p=1>; rel="first"'];
      sendJson(res, items.slice((page - 1) * 10, page * 10), 200, page < 3 ? { link: links.join(', ') } : { link: '</list?p=1>; rel="first"' });
    });
    const src = source({ url: `${server.url}/list`, pagination: { type: 'link' } });
    expect((await collect(src.read(makeReadContext()))).flat()).toEqual(items);
    expect(server.requests).toHaveLength(3);
    await src.close?.();
  });

  it('next_url: follows the next page\'s URL from the body (relative, absolute, keeping the query) until null', async () => {
    server = await startHttpReceiver((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const page = Number(u.searchParams.get('page') ?? 1);
      const next = page === 1 ? '/api/rows?page=2&filter=hot' : page === 2 ? `${server!.url}/api/rows?page=3&filter=hot` : null;
      sendJson(res, { count: items.length, links: { next }, results: items.slice((page - 1) * 10, page * 10) });
    });
    const src = source({ url: `${server.url}/api/rows?filter=hot`, records_path: 'results', pagination: { type: 'next_url', next_path: 'links.next' } });
    expect((await collect(src.read(makeReadContext()))).flat()).toEqual(items);
    expect(server.requests.map((r) => r.url)).toEqual(['/api/rows?filter=hot', '/api/rows?page=2&filter=hot', '/api/rows?page=3&filter=hot']);
    await src.close?.();
  });

  it('next_url: refuses a next page on another origin', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, { next: 'http://127.0.0.2:9/evil', results: [{ a: 1 }] }));
    const src = source({ url: server.url, records_path: 'results', pagination: { type: 'next_url', next_path: 'next' }, auth: { type: 'bearer', token: 'tok-secret' } });
    await expect(collect(src.read(makeReadContext()))).rejects.toThrow(/another origin/);
    await src.close?.();
  });

  it('max_pages stops an API that never ends, with a warning', async () => {
    let n = 0;
    server = await startHttpReceiver((_req, res) => sendJson(res, { items: [{ n: n++ }], next: `c${n}` }));
    const src = source({
      url: server.url,
      records_path: 'items',
      max_pages: 5,
      pagination: { type: 'cursor', cursor_path: 'next' },
    });
    const ctx = makeReadContext();
    expect((await collect(src.read(ctx))).flat()).toHaveLength(5);
    expect(server.requests).toHaveLength(5);
    expect(ctx.logger.lines.find((e) => e.level === 'warn')?.msg).toMatch(/max_pages \(5\)/);
    await src.close?.();
  });

  it('a cursor that does not advance stops with a warning instead of looping', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, { items: [{ a: 1 }], next: 'same' }));
    const src = source({ url: server.url, records_path: 'items', pagination: { type: 'cursor', cursor_path: 'next' } });
    const ctx = makeReadContext();
    expect((await collect(src.read(ctx))).flat()).toHaveLength(2);
    expect(ctx.logger.lines.some((e) => e.level === 'warn' && /did not advance/.test(e.msg))).toBe(true);
    await src.close?.();
  });

  it('refuses a next link on another origin (credentials would leak)', async () => {
    server = await startHttpReceiver((_req, res) => sendJson(res, [{ a: 1 }], 200, { link: '<http://127.0.0.2:9/evil>; rel="next"' }));
    const src = source({ url: server.url, pagination: { type: 'link' }, auth: { type: 'bearer', token: 'tok-secret' } });
    await expect(collect(src.read(makeReadContext()))).rejects.toThrow(/another origin/);
    await src.close?.();
  });
});
