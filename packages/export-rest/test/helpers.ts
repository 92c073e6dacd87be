import { defaultSettings, type ConnectorDeps } from '@sluice/core';
import { makeExportRun, memoryLogger, type ExportRunInit, type TestExportRun } from '@sluice/testkit';

/** Deps of an export target `alert_api`, with retries short enough for tests. */
export function deps(overrides: Partial<ConnectorDeps> = {}): ConnectorDeps {
  const settings = { ...defaultSettings(), retry: { attempts: 3, initialDelay: 10, maxDelay: 100 } };
  return { name: 'alert_api', path: 'export_targets.alert_api', logger: memoryLogger(), settings, baseDir: process.cwd(), ...overrides };
}

/** A run of rule `high_value` from datasource `db` to `alert_api`, with a fixed id and start so envelopes are predictable. */
export function exportRun(init: ExportRunInit = {}): TestExportRun {
  return makeExportRun({
    runId: 'run-1',
    runStartedAt: new Date('2026-01-02T03:04:05Z'),
    rule: 'high_value',
    datasource: 'db',
    target: 'alert_api',
    ...init,
  });
}
