import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createEncodedStream, createEncoder, type FormatName } from '../src/index.js';

// Exposes a real gc() without needing --expose-gc on the command line.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap plus ArrayBuffer memory: encoded bytes live in Buffers, outside the JS heap. */
function liveBytes(): number {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const TOTAL = 1_000_000;
const BATCH = 10_000;
const MB = 1024 * 1024;

describe('memory stays bounded while encoding 1,000,000 records', () => {
  it.each(['ndjson', 'json', 'csv', 'parquet'] as FormatName[])(
    '%s',
    async (format) => {
      let written = 0;
      const sink = new Writable({
        write(chunk: Buffer, _enc, cb) {
          written += chunk.length;
          cb();
        },
      });
      const stream = createEncodedStream(createEncoder(format, { parquet: { row_group_size: 50_000 } }), sink);
      const base = liveBytes();
      let peak = 0;
      const started = Date.UTC(2024, 0, 1);
      for (let start = 0; start < TOTAL; start += BATCH) {
        const batch = [];
        for (let id = start; id < start + BATCH; id++) {
          batch.push({
            id,
            at: new Date(started + id * 1000),
            sensor: `sensor-${id % 500}`,
            region: id % 3 === 0 ? 'eu-west' : 'us-east',
            ok: id % 10 !== 0,
            value: Math.round(id * 7.31) / 100,
            note: `reading ${id} with some text to make the record a realistic size`,
          });
        }
        await stream.write(batch);
        if (start % 100_000 === 0) peak = Math.max(peak, liveBytes() - base);
      }
      await stream.end();
      peak = Math.max(peak, liveBytes() - base);
      // The output is far larger than the bound: had it been buffered, this fails.
      expect(written).toBeGreaterThan(format === 'parquet' ? 10 * MB : 100 * MB);
      expect(peak).toBeLessThan(80 * MB);
    },
    180_000,
  );
});

describe('memory stays bounded across many Parquet row groups', () => {
  it('the footer keeps no record string or buffer alive', () => {
    // Like a CSV reader: every value is a slice of one large chunk of text
    // (or a view into one large buffer). Were a row group's min/max such a
    // slice, the footer would keep every chunk alive until the file ends.
    const encoder = createEncoder('parquet', {
      parquet: { row_group_size: 2_000, columns: [{ name: 'note', type: 'string' }, { name: 'kind', type: 'string' }, { name: 'raw', type: 'binary' }] },
    });
    const groups = 50;
    let base = 0;
    for (let g = 0; g < groups; g++) {
      const text = Array.from({ length: 2_000 }, (_, i) => `note-${g}-${i}-${'x'.repeat(1_000)}`).join('\n');
      const bytes = Buffer.from(text);
      const batch = [];
      let at = 0;
      for (let i = 0; i < 2_000; i++) {
        const end = text.indexOf('\n', at);
        const to = end === -1 ? text.length : end;
        // `kind` repeats a few values, so it stays dictionary-encoded.
        batch.push({ note: text.slice(at, to), kind: text.slice(at, at + 5 + (i % 3)), raw: bytes.subarray(at, at + 8) });
        at = to + 1;
      }
      expect(encoder.write(batch).rejected).toEqual([]);
      if (g === 0) base = liveBytes();
    }
    const growth = liveBytes() - base;
    encoder.end();
    // Each chunk is ~2 MB of text plus ~2 MB of bytes: kept alive, 49 of them are ~200 MB.
    expect(growth).toBeLessThan(20 * MB);
  });
});
