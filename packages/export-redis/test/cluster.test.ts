import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataRecord } from '@sluice/core';
import { makeExportRun } from '@sluice/testkit';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExporter } from './helpers.js';
import { freePort } from './throwaway-redis.js';

/** A throwaway three-master Redis Cluster on 127.0.0.1. */
describe('Redis Cluster', () => {
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  let dir: string;
  let reader: Cluster;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-redis-cluster-'));
    for (let i = 0; i < 3; i++) ports.push(await freePort());
    for (const port of ports) {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`];
      children.push(spawn('redis-server', [...args, '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
    }
    for (const port of ports) {
      while (spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout.toString().trim() !== 'PONG') await sleep(50);
    }
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    expect(create.status).toBe(0);
    for (const port of ports) {
      while (!spawnSync('redis-cli', ['-p', String(port), 'cluster', 'info']).stdout.toString().includes('cluster_state:ok')) await sleep(100);
    }
    reader = new Cluster([{ host: '127.0.0.1', port: ports[0]! }]);
  });

  afterAll(async () => {
    reader?.disconnect();
    for (const child of children) child.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes each key on its node and isolates a failing record', async () => {
    const exporter = createExporter({ cluster: { nodes: [`127.0.0.1:${ports[0]}`] }, key_template: 'h:{sensor_id}', ttl: '1h', batch_size: 64 });
    await exporter.check!(new AbortController().signal);
    await reader.set('h:s-7', 'not a hash');
    const records: DataRecord[] = Array.from({ length: 500 }, (_, i) => ({ sensor_id: `s-${i}`, value: i }));
    const run = makeExportRun();
    const session = await exporter.open(run);
    const result = await session.write(records, run.signal);
    await session.end(run.signal);
    await exporter.close();
    await exporter.close();

    expect(result?.rejected?.map((r) => r.record)).toEqual([records[7]]);
    expect(result?.rejected?.[0]?.error.message).toContain('WRONGTYPE');
    const values = await Promise.all(records.map((r, i) => (i === 7 ? reader.get('h:s-7') : reader.hget(`h:${r.sensor_id as string}`, 'value'))));
    expect(values).toEqual(records.map((r, i) => (i === 7 ? 'not a hash' : String(r.value))));
    expect(await reader.pttl('h:s-499')).toBeGreaterThan(3_500_000);
    const owners = await Promise.all(ports.map((port) => spawnSync('redis-cli', ['-p', String(port), 'dbsize']).stdout.toString().trim()));
    expect(owners.every((n) => Number(n) > 0)).toBe(true);
  });
});
