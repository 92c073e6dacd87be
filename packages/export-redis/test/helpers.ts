import { defaultSettings, type ConnectorDeps } from '@sluice/core';
import { createRedisPrefix, silentLogger, testEndpoints } from '@sluice/testkit';
import { Redis } from 'ioredis';
import redis from '../src/index.js';

/** A client on the test server plus a key prefix this file owns. */
export function testRedis(name: string) {
  const { prefix, cleanup } = createRedisPrefix(name);
  const client = new Redis(testEndpoints().redisUrl, { lazyConnect: true });
  return { prefix, client, url: testEndpoints().redisUrl, cleanup: () => cleanup(client) };
}

export function deps(overrides: Partial<ConnectorDeps> = {}): ConnectorDeps {
  return {
    name: 'cache',
    path: 'export_targets.cache',
    logger: silentLogger(),
    settings: defaultSettings(),
    baseDir: process.cwd(),
    ...overrides,
  };
}

/** Parses raw options through the schema, as the config loader does, and creates the exporter. */
export function createExporter(options: Record<string, unknown>, overrides: Partial<ConnectorDeps> = {}) {
  return redis.create(redis.schema.parse(options), deps(overrides));
}
