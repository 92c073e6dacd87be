import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { greaterThanPushdown, startHttpServer } from '@sluice/testkit';
import { makeSource, readAll, tempDir } from './helpers.js';

const TARGET_BYTES = 300 * 1024 * 1024;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let rows = 0;

beforeAll(async () => {
  tmp = await tempDir();
  const out = createWriteStream(`${tmp.dir}/big.csv`, { highWaterMark: 1 << 20 });
  out.write('id,ts,sensor,value,note\n');
  let bytes = 0;
  let chunk = '';
  while (bytes < TARGET_BYTES) {
    const line = `${rows},2024-01-01T00:00:${String(rows % 60).padStart(2, '0')}Z,s-${rows % 100},${(rows % 2000).toFixed(2)},"text, ${rows} with a ""quote"""\n`;
    chunk += line;
    rows++;
    if (chunk.length > 1 << 20) {
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}, 60_000);
afterAll(() => tmp.cleanup());

it('reads a 300 MB file in flat memory', async () => {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  let read = 0;
  const source = makeSource({ path: 'big.csv' }, tmp.dir);
  const ctx = (await import('@sluice/testkit')).makeReadContext({ batchSize: 1000, rules: greaterThanPushdown('value', 1990) });
  for await (const batch of source.read(ctx)) {
    read += batch.length;
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  expect(read + ctx.skippedCount).toBe(rows);
  expect(ctx.rejected).toEqual([]);
  // Buffered, the 300 MB file would cost 300+ MB as text alone, several GB as
  // records. What remains is V8's garbage sawtooth (old space is collected
  // lazily), not retention.
  expect(peak - before).toBeLessThan(200 * 1024 * 1024);
}, 60_000);

it('reads the same file as a gzip-encoded download in flat memory', async () => {
  // Compressed on the fly, as a server or CDN does: the whole body is never in memory on either side.
  const server = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/csv', 'content-encoding': 'gzip' });
    pipeline(createReadStream(`${tmp.dir}/big.csv`, { highWaterMark: 1 << 20 }), createGzip({ level: 1 }), res, () => undefined);
  });
  try {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    let read = 0;
    const source = makeSource({ url: `${server.url}/big.csv` }, '/');
    const ctx = (await import('@sluice/testkit')).makeReadContext({ batchSize: 1000, rules: greaterThanPushdown('value', 1990) });
    for await (const batch of source.read(ctx)) {
      read += batch.length;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    await source.close();
    expect(read + ctx.skippedCount).toBe(rows);
    expect(ctx.rejected).toEqual([]);
    expect(peak - before).toBeLessThan(200 * 1024 * 1024);
  } finally {
    await server.close();
  }
}, 120_000);
