import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadConfig, Pipeline, type DataRecord } from '@sluice/core';
import restExporter from '@sluice/export-rest';
import postgresSource from '@sluice/source-postgres';
import { createTestDatabase, memoryLogger, startHttpReceiver, testEndpoints } from '@sluice/testkit';
import { expect, it } from 'vitest';

const example = new URL('../../../examples/seed/', import.meta.url);
// pg is testkit's dependency; only this test needs it to seed the table.
const pg = createRequire(new URL('../../testkit/package.json', import.meta.url))('pg') as typeof import('pg');

it("the seed's example config (PostgreSQL → alert_api) delivers its alerts to a local receiver", async () => {
  const db = await createTestDatabase('seed_example');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(await readFile(new URL('seed.sql', example), 'utf8'));
  await client.end();

  const receiver = await startHttpReceiver((_req, res) => void res.writeHead(201).end());
  try {
    const pgUrl = new URL(testEndpoints().pgUrl);
    // The file as written; only where the database and the receiver live changes.
    const text = (await readFile(new URL('config.yaml', example), 'utf8'))
      .replace('host: "127.0.0.1"', `host: "${pgUrl.hostname}"`)
      .replace('port: 5432', `port: ${pgUrl.port || 5432}`)
      .replace('database: "analytics"', `database: "${db.name}"`)
      .replace('http://127.0.0.1:8788', receiver.url);
    const loaded = await loadConfig(text, {
      env: { PGUSER: decodeURIComponent(pgUrl.username) || 'postgres', PGPASSWORD: decodeURIComponent(pgUrl.password) || 'unused' },
      baseDir: process.cwd(),
      resolve: async (kind) => (kind === 'source' ? postgresSource : restExporter),
    });
    expect(loaded.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const pipeline = new Pipeline({ config: loaded.config!, logger: memoryLogger() });
    const summary = await pipeline.run();
    await pipeline.close();

    expect(summary.ok).toBe(true);
    expect(summary.targets.alert_api).toEqual({ routed: 2, exported: 2, deadLettered: 0 });
    const alerts = receiver.requests.flatMap((r) => JSON.parse(r.body) as DataRecord[]);
    expect(alerts.map((a) => Number(a.value)).sort((a, b) => a - b)).toEqual([1250.5, 4200]);
    expect(receiver.requests.map((r) => r.headers.authorization)).toEqual(['Bearer your_token']);
  } finally {
    await receiver.close();
    await db.drop();
  }
});
