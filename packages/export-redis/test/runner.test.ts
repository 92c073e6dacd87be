import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, Pipeline, type ConnectorDefinition, type DeadLetterEntry } from '@sluice/core';
import csv from '@sluice/source-csv';
import { memoryLogger } from '@sluice/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import redis from '../src/index.js';
import { ThrowawayRedis } from './throwaway-redis.js';

/** CSV → rule → Redis hash + stream through core's runner; the server is killed after the first delivered batch and comes back. */
describe('through core runner: Redis restarted mid-run', () => {
  let server: ThrowawayRedis;
  let reader: Redis;
  let dir: string;
  const rows = 4000;

  beforeAll(async () => {
    server = await ThrowawayRedis.start();
    reader = new Redis(server.port, '127.0.0.1');
    reader.on('error', () => undefined);
    dir = await mkdtemp(join(tmpdir(), 'sluice-redis-run-'));
    const lines = ['id,sensor_id,value'];
    for (let i = 0; i < rows; i++) lines.push(`${i},s-${i},${i % 2 ? 1500 : 10}`);
    await writeFile(join(dir, 'readings.csv'), `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    reader?.disconnect();
    server?.kill();
    if (server) await rm(server.dir, { recursive: true, force: true });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('retries, completes, and nothing is lost', async () => {
    const yaml = `
settings:
  batch_size: 200
  retry: { attempts: 30, initial_delay: 100ms, max_delay: 500ms }
datasources:
  readings: { type: csv, path: ./readings.csv }
processing_rules:
  - { name: hot, threshold_field: value, threshold_type: greater_than, threshold_value: 1000, export_targets: [latest, stream] }
export_targets:
  latest: { type: redis, url: "redis://127.0.0.1:${server.port}", key_template: "alert:{rule}:{sensor_id}", batch_size: 50 }
  stream: { type: redis, url: "redis://127.0.0.1:${server.port}", data_type: stream, key_template: "alerts", value_field: id, stream_format: json, batch_size: 50 }
`;
    const connectors: Record<string, ConnectorDefinition> = { csv: csv as ConnectorDefinition, redis: redis as ConnectorDefinition };
    const { config, issues } = await loadConfig(yaml, {
      baseDir: dir,
      resolve: async (_kind, type) => connectors[type] ?? { error: `unknown ${type}` },
    });
    expect(issues).toEqual([]);
    const deadLetters: DeadLetterEntry[] = [];
    const logger = memoryLogger();
    const pipeline = new Pipeline({
      config: config!,
      logger,
      deadLetters: () => ({
        location: undefined,
        write: async (entries: readonly DeadLetterEntry[]) => void deadLetters.push(...entries),
        close: async () => undefined,
      }),
    });
    let restarted: Promise<void> | undefined;
    const summary = await pipeline.run({
      onProgress: (s) => {
        if (restarted === undefined && (s.targets.latest?.exported ?? 0) > 0) {
          server.kill();
          restarted = sleep(300).then(() => server.start());
        }
      },
    });
    await restarted;
    await pipeline.close();

    const matched = rows / 2;
    expect(deadLetters).toEqual([]);
    expect(summary.targets.latest).toEqual({ routed: matched, exported: matched, deadLettered: 0 });
    expect(summary.targets.stream).toEqual({ routed: matched, exported: matched, deadLettered: 0 });
    expect(logger.find('retrying', 'warn').length).toBeGreaterThan(0);

    const pipelined = reader.pipeline();
    for (let i = 1; i < rows; i += 2) pipelined.hget(`alert:hot:s-${i}`, 'id');
    expect((await pipelined.exec())!.map(([, id]) => Number(id))).toEqual(Array.from({ length: matched }, (_, k) => 2 * k + 1));
    const ids = (await reader.xrange('alerts', '-', '+')).map(([, words]) => Number(words[1]));
    expect([...new Set(ids)].sort((a, b) => a - b)).toEqual(Array.from({ length: matched }, (_, k) => 2 * k + 1));
  });
});
