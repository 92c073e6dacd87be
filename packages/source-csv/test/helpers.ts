import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConnectorDeps, DataRecord } from '@sluice/core';
import { makeConnectorDeps, makeReadContext, type ReadContextInit, type TestReadContext } from '@sluice/testkit';
import csv from '../src/index.js';
import type { CsvSource } from '../src/source.js';

/** A temp directory removed by `cleanup()`. */
export async function tempDir(): Promise<{ dir: string; write(name: string, content: string | Buffer): Promise<string>; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-csv-'));
  return {
    dir,
    async write(name, content) {
      const file = path.join(dir, name);
      await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(file), { recursive: true }));
      await writeFile(file, content);
      return file;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Validates options through the schema, as the config loader does, and creates the source. */
export function makeSource(options: Record<string, unknown>, baseDir: string, extra: Partial<ConnectorDeps> = {}): CsvSource {
  const parsed = csv.schema.safeParse(options);
  if (!parsed.success) throw new Error(`invalid options: ${parsed.error.message}`);
  const deps = makeConnectorDeps({
    name: 'readings',
    path: 'datasources.readings',
    baseDir,
    settings: { batchSize: 100, retry: { attempts: 1, initialDelay: 10, maxDelay: 10 }, timeout: 10_000 },
    ...extra,
  });
  return csv.create(parsed.data, deps) as CsvSource;
}

export async function readAll(
  source: CsvSource,
  init: ReadContextInit = {},
): Promise<{ records: DataRecord[]; batches: DataRecord[][]; ctx: TestReadContext }> {
  const ctx = makeReadContext(init);
  const batches: DataRecord[][] = [];
  for await (const batch of source.read(ctx)) batches.push(batch);
  return { records: batches.flat(), batches, ctx };
}

/** Reads until the source fails: the records delivered before the error, and the error (undefined when none). */
export async function readUntilError(source: CsvSource, init: ReadContextInit = {}): Promise<{ records: DataRecord[]; error: unknown; ctx: TestReadContext }> {
  const ctx = makeReadContext(init);
  const records: DataRecord[] = [];
  try {
    for await (const batch of source.read(ctx)) records.push(...batch);
  } catch (error) {
    return { records, error, ctx };
  }
  return { records, error: undefined, ctx };
}

/** Both tokenizers: the fast path and csv-parse. */
export const PATHS = [
  ['fast path', true],
  ['csv-parse', false],
] as const;
