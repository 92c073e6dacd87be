import { defaultSettings, loadConfig, Pipeline, type ConnectorDefinition, type ConnectorDeps, type DeadLetterEntry, type RunSummary } from '@sluice/core';
import csv from '@sluice/source-csv';
import { createRedisPrefix, memoryLogger, silentLogger, testEndpoints } from '@sluice/testkit';
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

/** Loads a YAML config of CSV datasources and Redis targets, runs it once through core's runner, and returns what came out. */
export async function runConfig(yaml: string, baseDir: string, options: { onProgress?: (summary: Readonly<RunSummary>) => void } = {}) {
  const connectors: Record<string, ConnectorDefinition> = { csv: csv as ConnectorDefinition, redis: redis as ConnectorDefinition };
  const { config, issues } = await loadConfig(yaml, { baseDir, resolve: async (_kind, type) => connectors[type] ?? { error: `unknown ${type}` } });
  if (!config) throw new Error(`config: ${JSON.stringify(issues)}`);
  const deadLetters: DeadLetterEntry[] = [];
  const logger = memoryLogger();
  const pipeline = new Pipeline({
    config,
    logger,
    deadLetters: () => ({
      location: undefined,
      write: async (entries: readonly DeadLetterEntry[]) => void deadLetters.push(...entries),
      close: async () => undefined,
    }),
  });
  try {
    const checks = await pipeline.check();
    const summary = await pipeline.run(options.onProgress ? { onProgress: options.onProgress } : {});
    return { summary, deadLetters, logger, checks };
  } finally {
    await pipeline.close();
  }
}
