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
