import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { parquetReadObjects } from 'hyparquet';
import type { ConnectorDeps, DataRecord, Exporter } from '@sluice/core';
import { makeConnectorDeps } from '@sluice/testkit';
import file from '../src/index.js';

/** A temp directory standing in for the config file's directory. */
export async function tempBaseDir(): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-export-file-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Builds the exporter the way the CLI does: schema first, then create(). */
export function createFileExporter(options: Record<string, unknown>, baseDir: string, deps: Partial<ConnectorDeps> = {}): Exporter {
  const config = file.schema.parse(options);
  return file.create(config, makeConnectorDeps({ name: 'archive', path: 'export_targets.archive', baseDir, settings: { maxConcurrency: 4, timeout: 30_000 }, ...deps }));
}

/** Every file under `dir`, relative, sorted; hidden (temp) files included when asked. */
export async function listFiles(dir: string, hidden = false): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && (hidden || !e.name.startsWith('.')))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** Reads a file back with independent readers (JSON.parse, csv-parse, hyparquet). */
export async function readRecords(path: string): Promise<DataRecord[]> {
  let bytes: Buffer = await readFile(path);
  let name = path;
  if (name.endsWith('.gz')) {
    bytes = gunzipSync(bytes);
    name = name.slice(0, -3);
  }
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) {
    return bytes
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as DataRecord);
  }
  if (name.endsWith('.json')) return JSON.parse(bytes.toString('utf8')) as DataRecord[];
  if (name.endsWith('.csv')) return parseCsv(bytes, { columns: true }) as DataRecord[];
  if (name.endsWith('.parquet')) {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    return (await parquetReadObjects({ file: buffer, utf8: true })) as DataRecord[];
  }
  throw new Error(`no reader for ${path}`);
}

/** JSON's view of a record: Dates as ISO strings, undefined dropped. */
export const viaJson = (record: DataRecord): DataRecord => JSON.parse(JSON.stringify(record)) as DataRecord;

/** CSV's view of a record: every value as text, null as the empty string. */
export const viaCsv = (record: DataRecord): DataRecord =>
  Object.fromEntries(
    Object.entries(record).map(([key, value]) => [
      key,
      value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value),
    ]),
  );
