import { defaultSettings, type ConnectorDeps, type DataRecord } from '@sluice/core';
import { memoryLogger } from '@sluice/testkit';

/** Deps of a datasource `api`, with retries short enough for tests. */
export function deps(overrides: Partial<ConnectorDeps> = {}): ConnectorDeps {
  const settings = { ...defaultSettings(), retry: { attempts: 3, initialDelay: 10, maxDelay: 100 } };
  return { name: 'api', path: 'datasources.api', logger: memoryLogger(), settings, baseDir: process.cwd(), ...overrides };
}

/** Every batch a read yields. */
export async function collect(iterable: AsyncIterable<DataRecord[]>): Promise<DataRecord[][]> {
  const batches: DataRecord[][] = [];
  for await (const batch of iterable) batches.push(batch);
  return batches;
}
