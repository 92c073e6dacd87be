// Benchmark peer, run in its own process: serves pages of generated records
// at GET /records?offset=&limit= and acknowledges POST /ingest.
import { createServer } from 'node:http';

const total = Number(process.env.RECORDS ?? 100_000);
const record = (i) => ({ id: i, sensor: `s-${i % 100}`, value: (i * 7919) % 2000, at: '2026-11-01T00:00:00.000Z' });
let ingested = 0;

const server = createServer((req, res) => {
  if (req.method === 'POST') {
    let bytes = 0;
    req.on('data', (c) => (bytes += c.length));
    req.on('end', () => {
      ingested += bytes;
      res.writeHead(202).end();
    });
    return;
  }
  const url = new URL(req.url ?? '/', 'http://x');
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const limit = Number(url.searchParams.get('limit') ?? 1000);
  const rows = [];
  for (let i = offset; i < Math.min(total, offset + limit); i++) rows.push(record(i));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ data: rows }));
});
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('message', (m) => m === 'stop' && server.close(() => process.exit(0)));
