import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncodedStream, createEncoder } from '../src/index.js';
import { readParquet } from './helpers.js';

/** A sink with a tiny buffer that completes writes asynchronously, so backpressure really happens. */
function slowSink(): { sink: Writable; chunks: Buffer[]; drains: () => number } {
  const chunks: Buffer[] = [];
  let drains = 0;
  const sink = new Writable({
    highWaterMark: 64,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      setImmediate(cb);
    },
  });
  sink.on('drain', () => drains++);
  return { sink, chunks, drains: () => drains };
}

describe('createEncodedStream', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-formats-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes with backpressure and counts uncompressed bytes', async () => {
    const { sink, chunks, drains } = slowSink();
    const stream = createEncodedStream(createEncoder('ndjson'), sink);
    for (let b = 0; b < 20; b++) {
      const { rejected } = await stream.write(Array.from({ length: 50 }, (_, i) => ({ b, i })));
      expect(rejected).toEqual([]);
      // A resolved write means the sink is not over its high-water mark.
      expect(sink.writableNeedDrain).toBe(false);
    }
    await stream.end();
    expect(drains()).toBeGreaterThan(0);
    const text = Buffer.concat(chunks).toString();
    expect(text.split('\n')).toHaveLength(1001);
    expect(stream.bytesWritten).toBe(Buffer.byteLength(text));
    expect(sink.writableFinished).toBe(true);
  });

  it('gzips text formats into a file', async () => {
    const path = join(dir, 'out.json.gz');
    const stream = createEncodedStream(createEncoder('json'), createWriteStream(path), { gzip: true });
    await stream.write([{ a: 1 }, { a: 'x'.repeat(10_000) }]);
    await stream.write([{ a: 3 }]);
    await stream.end();
    const plain = gunzipSync(await readFile(path)).toString();
    expect(JSON.parse(plain)).toEqual([{ a: 1 }, { a: 'x'.repeat(10_000) }, { a: 3 }]);
    expect(stream.bytesWritten).toBe(Buffer.byteLength(plain));
    expect((await readFile(path)).length).toBeLessThan(stream.bytesWritten);
  });

  it('writes a Parquet file and refuses gzip for it', async () => {
    const path = join(dir, 'out.parquet');
    expect(() => createEncodedStream(createEncoder('parquet'), createWriteStream(join(dir, 'x.parquet')), { gzip: true })).toThrow(
      /text formats only/,
    );
    const stream = createEncodedStream(createEncoder('parquet', { parquet: { row_group_size: 100 } }), createWriteStream(path));
    const { rejected } = await stream.write([...Array.from({ length: 250 }, (_, i) => ({ i })), { i: 'no' }]);
    expect(rejected).toHaveLength(1);
    expect(stream.bytesWritten).toBeGreaterThan(0); // two full row groups already out
    await stream.end();
    const bytes = await readFile(path);
    expect(stream.bytesWritten).toBe(bytes.length);
    expect(await readParquet(bytes)).toHaveLength(250);
  });

  it('rejects instead of hanging when the output dies behind gzip', async () => {
    const out = new Writable({
      highWaterMark: 1,
      write(_chunk, _enc, cb) {
        setImmediate(() => cb(new Error('connection reset')));
      },
    });
    const stream = createEncodedStream(createEncoder('ndjson'), out, { gzip: true });
    const big = Array.from({ length: 2_000 }, (_, i) => ({ i, text: `${i}`.repeat(50) + Math.random() }));
    await expect(
      (async () => {
        for (let i = 0; i < 50; i++) await stream.write(big);
      })(),
    ).rejects.toThrow('connection reset');
    await expect(stream.end()).rejects.toThrow('connection reset');
  });

  it('rejects when the output is destroyed without an error', async () => {
    const out = new Writable({ highWaterMark: 1, write: (_c, _e, cb) => setTimeout(cb, 5) });
    const stream = createEncodedStream(createEncoder('csv'), out);
    await stream.write([{ a: 1 }]);
    out.destroy();
    await once(out, 'close');
    await expect(stream.write([{ a: 2 }])).rejects.toThrow(/closed before/);
  });

  it('rejects when the sink fails, and end() twice is harmless', async () => {
    const sink = new Writable({
      highWaterMark: 1,
      write(_chunk, _enc, cb) {
        setImmediate(() => cb(new Error('disk full')));
      },
    });
    const stream = createEncodedStream(createEncoder('ndjson'), sink);
    await expect(
      (async () => {
        for (let i = 0; i < 10; i++) await stream.write([{ i }]);
      })(),
    ).rejects.toThrow('disk full');
    await expect(stream.end()).rejects.toThrow('disk full');
    await expect(stream.end()).resolves.toBeUndefined();
  });
});
