// Deterministic benchmark data: `node benchmarks/generate.mjs <rows> <file>`.
// Columns: id, an ISO timestamp, a sensor id, a region, a status, a 2-decimal
// value and a free-text note that is sometimes quoted with commas. About 8 %
// of rows match `value > 1500 AND status = 'active'`.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export async function generate(rows, file, seed = 20261126) {
  let state = seed >>> 0;
  // mulberry32: small, fast, and the same on every machine.
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const regions = ['eu-west', 'eu-north', 'us-east', 'us-west', 'ap-south'];
  const others = ['idle', 'maintenance', 'offline', 'degraded'];
  const notes = ['', '', '', 'ok', 'checked', '"door opened, then closed"', '"reading high, recalibrate"', 'battery low', '"said ""hello"", twice"', ''];
  const out = createWriteStream(file, { highWaterMark: 1 << 22 });
  const start = Date.UTC(2026, 10, 1);
  let chunk = 'id,recorded_at,sensor_id,region,status,value,note\n';
  for (let i = 1; i <= rows; i++) {
    const ts = new Date(start + i * 1000).toISOString();
    const sensor = `s-${String(Math.floor(random() * 5000)).padStart(4, '0')}`;
    const region = regions[Math.floor(random() * regions.length)];
    // P(active) = 0.32 and value uniform in [0, 2000) so P(value > 1500) = 0.25: 8 % match.
    const status = random() < 0.32 ? 'active' : others[Math.floor(random() * others.length)];
    const value = (random() * 2000).toFixed(2);
    const note = notes[Math.floor(random() * notes.length)];
    chunk += `${i},${ts},${sensor},${region},${status},${value},${note}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [rows = '2000000', file = 'data.csv'] = process.argv.slice(2);
  await generate(Number(rows), file);
}
