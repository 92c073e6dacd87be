#!/usr/bin/env node
// Page codecs on PLAIN BYTE_ARRAY pages like the CLI writes (ids, ISO times,
// 2-decimal values): the formats package's Snappy vs Node's native zlib.
//   pnpm turbo run build --filter=@sluice/formats && node benchmarks/formats/codecs.mjs
import zlib from 'node:zlib';

const { snappyCompress } = await import('../../packages/formats/dist/parquet-snappy.js');
const { ByteSink } = await import('../../packages/formats/dist/parquet-bytes.js');

const N = 480_000;
const buf = Buffer.allocUnsafe(N * 3 * 40);
let pos = 0;
for (let i = 0; i < N; i++) {
  const fields = [String(i + 1), new Date(Date.UTC(2026, 10, 1) + i * 12_500).toISOString(), (1500 + ((i * 104729) % 50_000) / 100).toFixed(2)];
  for (const f of fields) {
    const n = buf.write(f, pos + 4);
    buf.writeUInt32LE(n, pos);
    pos += 4 + n;
  }
}
const data = buf.subarray(0, pos);
const pages = [];
for (let o = 0; o < data.length; o += 1 << 20) pages.push(data.subarray(o, Math.min(data.length, o + (1 << 20))));
const out = new ByteSink();
const level = (q) => ({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: q } });
const CODECS = {
  'snappy (formats)': (p) => ((out.pos = 0), snappyCompress(p, out), out.pos),
  'gzip level 1': (p) => zlib.gzipSync(p, { level: 1 }).length,
  'gzip level 6 (zlib default)': (p) => zlib.gzipSync(p).length,
  'brotli quality 1': (p) => zlib.brotliCompressSync(p, level(1)).length,
};
console.log(`${(data.length / 1e6).toFixed(1)} MB of pages, median of 5`);
console.log('| codec | MB/s | compressed / plain |');
console.log('|---|---:|---:|');
for (const [name, codec] of Object.entries(CODECS)) {
  const rates = [];
  let size = 0;
  for (let rep = 0; rep < 5; rep++) {
    const t = performance.now();
    size = 0;
    for (const p of pages) size += codec(p);
    rates.push(data.length / 1e6 / ((performance.now() - t) / 1000));
  }
  rates.sort((a, b) => a - b);
  console.log(`| ${name} | ${rates[2].toFixed(0)} | ${(size / data.length).toFixed(3)} |`);
}
