import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectorError } from '@sluice/core';
import { makeExportRun } from '@sluice/testkit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCutProxy } from './cut-proxy.js';
import { createExporter, runConfig, testRedis } from './helpers.js';
import { freePort, ThrowawayRedis } from './throwaway-redis.js';

/** Failures between the exporter and the server, through core's runner as `sluice run` drives them. */
let server: ThrowawayRedis;
let reader: Redis;
let dir: string;
beforeAll(async () => {
  server = await ThrowawayRedis.start();
  reader = new Redis(server.port, '127.0.0.1');
  reader.on('error', () => undefined);
  dir = await mkdtemp(join(tmpdir(), 'sluice-redis-fail-'));
  await writeFile(join(dir, 'six.csv'), 'k,value\nbad,5\ng1,5\ng2,5\ng3,5\ng4,5\ng5,5\n');
});
afterEach(async () => {
  await reader.flushall();
});
afterAll(async () => {
  reader?.disconnect();
  server?.kill();
  if (server) await rm(server.dir, { recursive: true, force: true });
  if (dir) await rm(dir, { recursive: true, force: true });
});

function config(settings: string, target: string): string {
  return `
settings: ${settings}
datasources:
  c: { type: csv, path: ./six.csv }
processing_rules:
  - { name: r, threshold_field: value, threshold_type: greater_than, threshold_value: 1, export_targets: [t] }
export_targets:
  t: ${target}
`;
}

describe('settings.timeout: 0', () => {
  it('is no limit, as everywhere else in a run: every record is written', async () => {
    const { summary } = await runConfig(
      config('{ timeout: 0 }', `{ type: redis, url: "redis://127.0.0.1:${server.port}/0", data_type: list, key_template: "t0:{k}" }`),
      dir,
    );
    expect(summary.targets.t).toEqual({ routed: 6, exported: 6, deadLettered: 0 });
    expect(await reader.llen('t0:g1')).toBe(1);
  });
});

describe('a record refused per record', () => {
  it('stays rejected when a later chunk of its batch loses its connection and is retried', async () => {
    await reader.set('wl:bad', 'a string, not a list');
    const proxy = await startCutProxy(server.port, 3);
    try {
      const { summary, deadLetters, logger } = await runConfig(
        config(
          '{ retry: { attempts: 4, initial_delay: 50ms, max_delay: 100ms } }',
          `{ type: redis, url: "redis://127.0.0.1:${proxy.port}/0", data_type: list, key_template: "wl:{k}", batch_size: 1, max_in_flight: 1 }`,
        ),
        dir,
      );
      expect(logger.find('retrying', 'warn').length).toBeGreaterThan(0);
      expect(summary.targets.t).toEqual({ routed: 6, exported: 5, deadLettered: 1 });
      expect(deadLetters.map((d) => [d.record.k, d.error])).toEqual([['bad', expect.stringMatching(/key "wl:bad": WRONGTYPE/)]]);
      for (const k of ['g1', 'g2', 'g3', 'g4', 'g5']) expect(await reader.lrange(`wl:${k}`, 0, -1)).toHaveLength(1);
      // Per-record refusals are logged once per batch, with the count.
      expect(logger.find('1 record(s) not written', 'warn')).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('is retried when the refusal is transient (OOM), and stored once memory is back', async () => {
    await reader.config('SET', 'maxmemory-policy', 'noeviction');
    await reader.config('SET', 'maxmemory', '1');
    const freed = sleep(600).then(() => reader.config('SET', 'maxmemory', '0'));
    try {
      const { summary, deadLetters } = await runConfig(
        config(
          '{ retry: { attempts: 10, initial_delay: 100ms, max_delay: 300ms } }',
          `{ type: redis, url: "redis://127.0.0.1:${server.port}/0", data_type: stream, key_template: "oom" }`,
        ),
        dir,
      );
      expect(deadLetters).toEqual([]);
      expect(summary.targets.t).toEqual({ routed: 6, exported: 6, deadLettered: 0 });
      expect(await reader.xlen('oom')).toBe(6);
    } finally {
      await freed;
    }
  });
});

describe('a write that outlives settings.timeout', () => {
  it('is not sent again while the first attempt can still apply: a list holds every record once', async () => {
    await reader.call('CLIENT', 'PAUSE', '1500', 'WRITE');
    const { summary, deadLetters, logger } = await runConfig(
      config(
        '{ timeout: 400ms, retry: { attempts: 8, initial_delay: 200ms, max_delay: 400ms } }',
        `{ type: redis, url: "redis://127.0.0.1:${server.port}/0", data_type: list, key_template: "slow" }`,
      ),
      dir,
    );
    expect(await reader.lrange('slow', 0, -1)).toHaveLength(6);
    expect(deadLetters).toEqual([]);
    expect(summary.targets.t).toEqual({ routed: 6, exported: 6, deadLettered: 0 });
    expect(logger.find('within 400 ms', 'warn').length).toBeGreaterThan(0);
  });
});

describe('a database the server does not have', () => {
  const { prefix, client, url, cleanup } = testRedis('sluice_redis_db');
  afterAll(async () => {
    await cleanup();
    client.disconnect();
  });

  it('fails check() and every write, and writes nothing to database 0', async () => {
    for (const options of [{ url: `${url.replace(/\/\d*$/, '')}/99` }, { host: '127.0.0.1', port: Number(new URL(url).port || 6379), db: 99 }]) {
      const exporter = createExporter({ ...options, key_template: `${prefix}{id}` });
      const error = await exporter.check!(new AbortController().signal).then(
        () => undefined,
        (e: unknown) => e as ConnectorError,
      );
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error!.message).toMatch(/^export_targets\.cache: database 99 does not exist on redis .*out of range/);
      expect(error!.retryable).toBe(false);
      const run = makeExportRun();
      const result = await (await exporter.open(run)).write([{ id: 1 }, { id: 2 }], run.signal);
      expect(result?.rejected?.map((r) => r.error.message)).toEqual([error!.message, error!.message]);
      await exporter.close();
      expect(await client.keys(`${prefix}*`)).toEqual([]);
    }
  });
});

describe('an unreachable server', () => {
  it('names the real cause in check() and in the dead letters', async () => {
    const port = await freePort();
    const exporter = createExporter({ host: '127.0.0.1', port, key_template: 'k:{id}' });
    await expect(exporter.check!(new AbortController().signal)).rejects.toThrow(`PING on redis 127.0.0.1:${port}/0 failed: connect ECONNREFUSED 127.0.0.1:${port}`);
    await exporter.close();
    const { deadLetters } = await runConfig(
      config('{ retry: { attempts: 2, initial_delay: 50ms, max_delay: 50ms } }', `{ type: redis, host: 127.0.0.1, port: ${port}, key_template: "k:{k}" }`),
      dir,
    );
    expect(deadLetters).toHaveLength(6);
    for (const entry of deadLetters) expect(entry.error).toContain(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('dead-letters in about the time settings.retry allows, not on ioredis reconnect schedule', async () => {
    const port = await freePort();
    const started = Date.now();
    const { summary } = await runConfig(
      config(
        '{ batch_size: 1, retry: { attempts: 3, initial_delay: 100ms, max_delay: 200ms } }',
        `{ type: redis, host: 127.0.0.1, port: ${port}, key_template: "k:{k}" }`,
      ),
      dir,
    );
    // Six batches of three attempts each: about 6 × (0.1 + 0.2) s, not ioredis' growing reconnect delays.
    expect(Date.now() - started).toBeLessThan(4000);
    expect(summary.targets.t).toEqual({ routed: 6, exported: 0, deadLettered: 6 });
  }, 30_000);
});
