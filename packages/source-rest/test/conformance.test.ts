import { describeSourceConformance, startHttpServer } from '@sluice/testkit';
import restSource from '@sluice/source-rest';
import { deps } from './helpers.js';

// Records travel as JSON: Dates arrive as ISO strings.
const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describeSourceConformance('rest_api (cursor pagination)', {
  async setup(records) {
    const pageSize = 5;
    const server = await startHttpServer((req, res) => {
      const at = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('cursor') ?? 0);
      const next = at + pageSize < records.length ? String(at + pageSize) : null;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ data: { items: records.slice(at, at + pageSize) }, next }));
    });
    const options = restSource.schema.parse({
      url: `${server.url}/records`,
      records_path: 'data.items',
      pagination: { type: 'cursor', cursor_path: 'next' },
    });
    return {
      source: restSource.create(options, deps()),
      expected: asJson(records),
      teardown: () => server.close(),
    };
  },
  ordered: true,
});

describeSourceConformance('rest_api (link pagination)', {
  async setup(records) {
    const server = await startHttpServer((req, res) => {
      const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? 1);
      if (page * 4 < records.length) res.setHeader('link', `</records?page=${page + 1}>; rel="next"`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(records.slice((page - 1) * 4, page * 4)));
    });
    const options = restSource.schema.parse({ url: `${server.url}/records`, pagination: { type: 'link' } });
    return { source: restSource.create(options, deps()), expected: asJson(records), teardown: () => server.close() };
  },
  ordered: true,
});
