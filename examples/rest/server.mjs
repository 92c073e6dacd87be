#!/usr/bin/env node
// A tiny local API for the REST → rules → REST example. It serves sensor
// readings page by page (cursor pagination) and receives alerts.
//   GET  /api/readings?cursor=N   → { data: [...], next_cursor: "N+20" | null }
//   POST /alerts                  → 202; needs "Authorization: Bearer <ALERT_TOKEN>"
// FLAKY=1 answers 503 to every third request (Sluice retries; the
// Idempotency-Key lets this server drop the duplicates).
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8787);
const token = process.env.ALERT_TOKEN ?? 'local-dev-token';
const flaky = process.env.FLAKY === '1';
const pageSize = 20;

// 95 deterministic readings: every 7th one runs hot.
const readings = Array.from({ length: 95 }, (_, i) => ({
  id: i + 1,
  sensor: `sensor-${(i % 5) + 1}`,
  site: i % 2 === 0 ? 'eu-west' : 'us-east',
  temperature: i % 7 === 0 ? 80 + (i % 11) : 20 + (i % 13),
  recorded_at: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
}));

const seenKeys = new Set();
let alerts = 0;
let requests = 0;

const send = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (flaky && ++requests % 3 === 0) return send(res, 503, { error: 'try again' });
    if (req.method === 'GET' && url.pathname === '/api/readings') {
      const at = Number(url.searchParams.get('cursor') ?? 0);
      const next = at + pageSize < readings.length ? String(at + pageSize) : null;
      return send(res, 200, { data: readings.slice(at, at + pageSize), next_cursor: next });
    }
    if (url.pathname === '/alerts' && req.method === 'HEAD') return res.writeHead(204).end();
    if (url.pathname === '/alerts' && req.method === 'POST') {
      if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'bad token' });
      const key = req.headers['idempotency-key'];
      if (key && seenKeys.has(key)) return send(res, 202, { duplicate: true });
      if (key) seenKeys.add(key);
      const envelope = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      alerts += envelope.records.length;
      for (const r of envelope.records) {
        console.log(`[${envelope.rule}] ${r.sensor} at ${r.site}: ${r.temperature} °C (reading ${r.id})`);
      }
      console.log(`  ${alerts} alert(s) received so far`);
      return send(res, 202, { accepted: envelope.records.length });
    }
    send(res, 404, { error: 'not found' });
  });
}).listen(port, '127.0.0.1', () => console.log(`example API on http://127.0.0.1:${port} (flaky: ${flaky})`));
