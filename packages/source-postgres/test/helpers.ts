import type { ConnectorDeps } from '@sluice/core';
import { silentLogger } from '@sluice/testkit';

/** Deps for creating a connector directly in tests. */
export function testDeps(overrides: Partial<ConnectorDeps> = {}): ConnectorDeps {
  return {
    name: 'db',
    path: 'datasources.db',
    logger: silentLogger(),
    settings: {
      batchSize: 100,
      maxConcurrency: 2,
      retry: { attempts: 3, initialDelay: 10, maxDelay: 100 },
      timeout: 60_000,
      deadLetter: { path: 'dead' },
      logLevel: 'silent',
    },
    baseDir: process.cwd(),
    ...overrides,
  };
}
