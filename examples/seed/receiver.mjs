#!/usr/bin/env node
// A local stand-in for https://alerts.example.com/api/alerts: accepts
// POST /api/alerts with "Authorization: Bearer your_token" and prints what
// arrives. Port 8788 (PORT to change).
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8788);
let received = 0;

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const reply = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url !== '/api/alerts') return reply(404, { error: 'not found' });
    if (req.method === 'HEAD') return res.writeHead(204).end();
    if (req.method !== 'POST') return reply(405, { error: 'POST only' });
    if (req.headers.authorization !== 'Bearer your_token') return reply(401, { error: 'bad token' });
    const alerts = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    received += alerts.length;
    for (const alert of alerts) console.log(`alert: ${alert.name} = ${alert.value} at ${alert.created_at}`);
    console.log(`  (${received} received, Idempotency-Key ${req.headers['idempotency-key']})`);
    reply(201, { accepted: alerts.length });
  });
}).listen(port, '127.0.0.1', () => console.log(`alert receiver on http://127.0.0.1:${port}/api/alerts`));
