import { rm } from 'node:fs/promises';
import { ConnectorError } from '@sluice/core';
import { makeExportRun, memoryLogger } from '@sluice/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExporter } from './helpers.js';
import { ThrowawayRedis } from './throwaway-redis.js';

describe('host/port/password/db connection', () => {
  let server: ThrowawayRedis;
  beforeAll(async () => {
    server = await ThrowawayRedis.start(['--requirepass', 'p@ss:w0rd/secret']);
  });
  afterAll(async () => {
    server?.kill();
    if (server) await rm(server.dir, { recursive: true, force: true });
  });

  it('writes to the configured db with the password', async () => {
    const exporter = createExporter({ host: '127.0.0.1', port: server.port, password: 'p@ss:w0rd/secret', db: 3, key_template: 'k:{id}' });
    await exporter.check!(new AbortController().signal);
    const run = makeExportRun();
    const session = await exporter.open(run);
    await session.write([{ id: 1, v: 'x' }], run.signal);
    await exporter.close();
    const reader = new Redis({ port: server.port, host: '127.0.0.1', password: 'p@ss:w0rd/secret', db: 3 });
    expect(await reader.hgetall('k:1')).toEqual({ id: '1', v: 'x' });
    reader.disconnect();
  });

  it('a wrong password fails check() without the password in the message or logs', async () => {
    const logger = memoryLogger();
    const exporter = createExporter({ url: `redis://default:wrong-secret@127.0.0.1:${server.port}/0`, key_template: 'k:{id}' }, { logger });
    const error = await exporter.check!(new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e as ConnectorError,
    );
    await exporter.close();
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error!.message).toMatch(/WRONGPASS|NOAUTH|invalid/i);
    expect(error!.retryable).toBe(false);
    expect(`${error!.message} ${logger.text()}`).not.toContain('wrong-secret');
  });
});
