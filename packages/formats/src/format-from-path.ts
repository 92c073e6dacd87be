import type { FormatName } from './types.js';

const BY_EXTENSION: Readonly<Record<string, FormatName>> = {
  ndjson: 'ndjson',
  jsonl: 'ndjson',
  json: 'json',
  csv: 'csv',
  parquet: 'parquet',
  pq: 'parquet',
};

/**
 * The format a path's extension names, ignoring a trailing `.gz`;
 * `undefined` when the extension names none.
 *
 * @example
 * formatFromPath('out/{rule}/{run_id}.jsonl.gz'); // 'ndjson'
 */
export function formatFromPath(path: string): FormatName | undefined {
  let name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).toLowerCase();
  if (name.endsWith('.gz')) name = name.slice(0, -3);
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return BY_EXTENSION[name.slice(dot + 1)];
}
