import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultSettings, type DataRecord } from '@sluice/core';
import { makeExportRun, memoryLogger } from '@sluice/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExporter } from './helpers.js';
import { ThrowawayRedis } from './throwaway-redis.js';

let server: ThrowawayRedis;
let reader: Redis;
beforeAll(async () => {
  server = await ThrowawayRedis.start();
  reader = new Redis(server.port, '127.0.0.1');
  reader.on('error', () => undefined);
});
afterAll(async () => {
  reader?.disconnect();
  server?.kill();
  if (server) await rm(server.dir, { recursive: true, force: true });
});

const retry = { attempts: 30, initialDelay: 100, maxDelay: 500 };

/** Writes `total` records in batches the way core's runner does (one write per batch: the session retries its chunks), killing and restarting the server mid-run. */
async function runThroughRestart(options: Record<string, unknown>, total: number) {
  const logger = memoryLogger();
  const exporter = createExporter({ url: `redis://127.0.0.1:${server.port}`, batch_size: 100, ...options }, { settings: { ...defaultSettings(), retry } });
  expect(exporter.retriesRequests).toBe(true);
  const run = makeExportRun({ logger });
  const session = await exporter.open(run);
  const records: DataRecord[] = Array.from({ length: total }, (_, i) => ({ id: i, sensor_id: `s-${i}`, value: i * 1.5, at: new Date(1_700_000_000_000 + i) }));
  let restarted: Promise<void> | undefined;
  for (let offset = 0; offset < total; offset += 500) {
    const batch = records.slice(offset, offset + 500);
    const write = session.write(batch, run.signal);
    if (offset === 2000) {
      // Kill while this batch is in flight; bring the server back a little later.
      server.kill();
      restarted = sleep(400).then(() => server.start());
    }
    const result = await write;
    expect(result?.rejected ?? []).toEqual([]);
  }
  await restarted;
  await session.end(run.signal);
  await exporter.close();
  return { records, retries: logger.find('write failed, retrying', 'warn').length };
}

describe('Redis restarted mid-run', () => {
  it('hashes: the run retries and completes, every record is stored', async () => {
    const { records, retries } = await runThroughRestart({ key_template: 'h:{sensor_id}' }, 5000);
    expect(retries).toBeGreaterThan(0);
    const pipeline = reader.pipeline();
    for (const r of records) pipeline.hgetall(`h:${r.sensor_id as string}`);
    const stored = (await pipeline.exec())!.map(([, value]) => value);
    expect(stored).toEqual(records.map((r) => ({ id: String(r.id), sensor_id: r.sensor_id, value: String(r.value), at: (r.at as Date).toISOString() })));
  });

  it('lists: every record arrives, in order, at least once', async () => {
    const { records, retries } = await runThroughRestart({ data_type: 'list', key_template: 'queue', value_field: 'id' }, 5000);
    expect(retries).toBeGreaterThan(0);
    const ids = (await reader.lrange('queue', 0, -1)).map(Number);
    expect(new Set(ids)).toEqual(new Set(records.map((r) => r.id)));
    // Duplicates can only come from the chunks in flight at the kill (at most max_in_flight × batch_size).
    expect(ids.length - records.length).toBeLessThanOrEqual(400);
    const firstSeen = [...new Set(ids)];
    expect(firstSeen).toEqual(records.map((r) => r.id));
  });
});
