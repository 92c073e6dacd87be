import type { ConnectorDeps, Settings } from '@sluice/core';
import { silentLogger } from './logger.js';

/** Settings as a test wants them: small batches, quick retries, generous timeout. */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    batchSize: 1000,
    maxConcurrency: 2,
    retry: { attempts: 3, initialDelay: 100, maxDelay: 1000 },
    timeout: 60_000,
    deadLetter: { path: 'dead-letter' },
    logLevel: 'info',
    ...overrides,
  };
}

/**
 * The `deps` a connector's `create(options, deps)` receives from the runner.
 *
 * @example
 * const exporter = definition.create(options, makeConnectorDeps({ name: 'archive', path: 'export_targets.archive', client }));
 */
export function makeConnectorDeps(init: Partial<ConnectorDeps> & { settings?: Partial<Settings> } = {}): ConnectorDeps {
  const { settings, client, ...rest } = init;
  return {
    name: 'test',
    path: 'test',
    logger: silentLogger(),
    baseDir: process.cwd(),
    ...rest,
    settings: testSettings(settings),
    ...(client === undefined ? {} : { client }),
  };
}
