import type { DataRecord } from '@sluice/core';
import type { PgPoolClient } from '@sluice/pg-common';

/** Identifiers are always quoted; nothing from a record becomes SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A parsed `schema.table` name. */
export interface TableName {
  readonly schema: string | undefined;
  readonly name: string;
  /** The quoted, qualified SQL form. */
  readonly sql: string;
}

/** Parses `t`, `s.t`, `"My Schema"."a.b"`: dots split parts unless quoted; `""` is a literal quote. */
export function parseTableName(text: string): TableName {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === '.') {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  if (quoted || parts.length > 2 || parts.some((p) => p === '')) throw new Error(`table "${text}" is not a valid [schema.]table name`);
  const name = parts[parts.length - 1]!;
  const schema = parts.length === 2 ? parts[0] : undefined;
  return { schema, name, sql: schema === undefined ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}` };
}

/** How values for a column are written. */
export type ColumnShape = 'json' | 'array' | 'bytea' | 'plain';

export interface TableColumn {
  readonly name: string;
  /** `format_type` of the column, for messages. */
  readonly type: string;
  readonly shape: ColumnShape;
}

/** The table's columns in order, or undefined when the table does not exist. */
export async function loadColumns(client: PgPoolClient, table: TableName): Promise<Map<string, TableColumn> | undefined> {
  const found = await client.query('SELECT to_regclass($1)::oid AS oid', [table.sql]);
  const oid = found.rows[0]?.oid;
  if (oid === null || oid === undefined) return undefined;
  const result = await client.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typcategory AS category, t.oid AS type_oid,
            coalesce(et.oid, 0) AS element_oid
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [oid],
  );
  const columns = new Map<string, TableColumn>();
  for (const row of result.rows) {
    const typeOid = Number(row.type_oid);
    const shape: ColumnShape =
      typeOid === 114 || typeOid === 3802 ? 'json' : row.category === 'A' ? 'array' : typeOid === 17 ? 'bytea' : 'plain';
    columns.set(String(row.name), { name: String(row.name), type: String(row.type), shape });
  }
  return columns;
}

/** The column type `create_table` picks for a field, from the first batch's values. */
export function inferColumnType(records: readonly DataRecord[], field: string): string {
  const kinds = new Set<string>();
  for (const record of records) {
    const value = record[field];
    if (value === null || value === undefined) continue;
    if (typeof value === 'number') kinds.add(Number.isSafeInteger(value) ? 'integer' : 'float');
    else if (typeof value === 'bigint') kinds.add('bigint');
    else if (typeof value === 'boolean') kinds.add('boolean');
    else if (typeof value === 'string') kinds.add('string');
    else if (value instanceof Date) kinds.add('date');
    else if (value instanceof Uint8Array) kinds.add('bytes');
    else kinds.add('json');
  }
  if (kinds.size === 0) return 'text';
  if (kinds.size === 1) {
    switch ([...kinds][0]) {
      case 'integer':
        return 'bigint';
      case 'float':
        return 'double precision';
      case 'bigint':
        return 'numeric';
      case 'boolean':
        return 'boolean';
      case 'date':
        return 'timestamptz';
      case 'bytes':
        return 'bytea';
      case 'json':
        return 'jsonb';
      default:
        return 'text';
    }
  }
  if (kinds.size === 2 && kinds.has('integer') && kinds.has('float')) return 'double precision';
  if ([...kinds].every((k) => k === 'integer' || k === 'bigint')) return 'numeric';
  return kinds.has('json') ? 'jsonb' : 'text';
}

/** `CREATE TABLE IF NOT EXISTS` for the given columns, keyed on `primaryKey` when given. */
export function createTableSql(table: TableName, columns: readonly { name: string; type: string }[], primaryKey?: readonly string[]): string {
  const defs = columns.map((c) => `${quoteIdent(c.name)} ${c.type}`);
  if (primaryKey && primaryKey.length > 0) defs.push(`PRIMARY KEY (${primaryKey.map(quoteIdent).join(', ')})`);
  return `CREATE TABLE IF NOT EXISTS ${table.sql} (${defs.join(', ')})`;
}

/**
 * The column sets of the table's unique indexes that `ON CONFLICT (…)` can
 * use as its arbiter: valid, not partial, not on expressions, not deferrable.
 */
export async function uniqueKeys(client: PgPoolClient, table: TableName): Promise<string[][]> {
  const result = await client.query(
    `SELECT array_agg(a.attname::text ORDER BY a.attname) AS columns
       FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indisvalid AND i.indimmediate
        AND i.indpred IS NULL AND i.indexprs IS NULL
      GROUP BY i.indexrelid`,
    [table.sql],
  );
  return result.rows.map((row) => row.columns as string[]);
}
