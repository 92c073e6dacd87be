import type { IncomingHttpHeaders } from 'node:http';
import { getPath } from './records.js';
import type { Pagination } from './types.js';

/** What the paginator learns from one page. */
export interface PageResult {
  readonly url: URL;
  readonly body: unknown;
  readonly headers: IncomingHttpHeaders;
  /** Items in the page, records or not. */
  readonly count: number;
}

/** Decides the URL of each page; `next` returns undefined after the last one. */
export interface Paginator {
  first(base: URL): URL;
  next(page: PageResult): URL | undefined;
}

function withParam(url: URL, name: string, value: string | number): URL {
  const next = new URL(url);
  next.searchParams.set(name, String(value));
  return next;
}

/**
 * Whether a page with `count` items ends a `stop_on_short_page` read. A page
 * shorter than requested ends it only when it is also shorter than the
 * largest page seen before: a server that caps the page size below the
 * request answers every page short, and taking its first page for the last
 * would silently drop the rest. The cost is one more (empty) request when
 * the first page is already short.
 */
function shortPageEnds(requested: number): (count: number) => boolean {
  let largest = 0;
  return (count) => {
    const ends = count < requested && count < largest;
    largest = Math.max(largest, count);
    return ends;
  };
}

/** Builds the paginator for a `pagination:` block. */
export function createPaginator(options: Pagination): Paginator {
  switch (options.type) {
    case 'none':
      return { first: (base) => base, next: () => undefined };
    case 'page': {
      let page = options.start;
      const isLast = options.stop_on_short_page && options.page_size !== undefined ? shortPageEnds(options.page_size) : () => false;
      const sized = (url: URL): URL =>
        options.page_size === undefined ? url : withParam(url, options.size_param, options.page_size);
      return {
        first: (base) => sized(withParam(base, options.page_param, page)),
        next({ url, count }) {
          if (count === 0) return undefined;
          if (isLast(count)) return undefined;
          page += 1;
          return withParam(url, options.page_param, page);
        },
      };
    }
    case 'offset': {
      let offset = options.start;
      const isLast = options.stop_on_short_page ? shortPageEnds(options.limit) : () => false;
      return {
        first: (base) => withParam(withParam(base, options.offset_param, offset), options.limit_param, options.limit),
        next({ url, count }) {
          if (count === 0) return undefined;
          if (isLast(count)) return undefined;
          // Advance by what arrived, not by the limit: servers that cap the
          // limit lower than requested would otherwise skip records.
          offset += count;
          return withParam(url, options.offset_param, offset);
        },
      };
    }
    case 'cursor':
      return {
        first: (base) => base,
        next({ url, body }) {
          const cursor = getPath(body, options.cursor_path);
          if (cursor === undefined || cursor === null || cursor === '' || cursor === false) return undefined;
          if (typeof cursor === 'object') return undefined;
          return withParam(url, options.cursor_param, String(cursor));
        },
      };
    case 'next_url':
      return {
        first: (base) => base,
        next({ url, body }) {
          const next = getPath(body, options.next_path);
          // Relative to the page it came in, as a browser resolves a link; the reader refuses another origin.
          return typeof next === 'string' && next !== '' ? new URL(next, url) : undefined;
        },
      };
    case 'link':
      return {
        first: (base) => base,
        next({ url, headers }) {
          const target = nextLink(headers.link);
          return target === undefined ? undefined : new URL(target, url);
        },
      };
  }
}

/** The `rel="next"` target of an RFC 8288 `Link` header. */
export function nextLink(header: string | string[] | undefined): string | undefined {
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (!text) return undefined;
  const links = /<([^>]*)>((?:\s*;\s*[^;,]+(?:=(?:"[^"]*"|[^;,]*))?)*)/g;
  for (const match of text.matchAll(links)) {
    const params = match[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return match[1];
  }
  return undefined;
}
