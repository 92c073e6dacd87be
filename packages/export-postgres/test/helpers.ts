import type { ConnectorDeps } from '@sluice/core';
import { makeConnectorDeps } from '@sluice/testkit';

/** Deps for creating a connector directly in tests. */
export function testDeps(overrides: Partial<ConnectorDeps> = {}): ConnectorDeps {
  return makeConnectorDeps({ name: 'db', path: 'export_targets.db', settings: { batchSize: 100 }, ...overrides });
}
