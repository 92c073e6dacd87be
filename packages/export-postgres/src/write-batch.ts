import type { DataRecord, RejectedRecord } from '@sluice/core';
import { CopyIn } from './copy-in.js';
import { encodeRows, type CopyTextBuilder } from './encode.js';
import { isRowLevel, sqlstate, type PgPoolClient } from '@sluice/pg-common';

/** One record prepared for writing: its column texts in `columns` order. */
export interface PreparedRow {
  readonly record: DataRecord;
  readonly values: readonly (string | null)[];
}

export interface WritePlan {
  /** Quoted, qualified table. */
  readonly table: string;
  /** Quoted column names, in order. */
  readonly columns: readonly string[];
  /** `ON CONFLICT …` clause for upsert; undefined for COPY inserts. */
  readonly onConflict: string | undefined;
}

/** PostgreSQL's Bind message carries at most 65535 parameters. */
const MAX_PARAMS = 65_535;

/** Runs one `COPY … FROM STDIN` whose data `encode` writes, streamed to the server as it is encoded. */
export function copyIn(client: PgPoolClient, plan: WritePlan, encode: (out: CopyTextBuilder) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    client.query(new CopyIn(`COPY ${plan.table} (${plan.columns.join(', ')}) FROM STDIN`, encode, resolve, reject));
  });
}

function copyRows(client: PgPoolClient, plan: WritePlan, rows: readonly PreparedRow[]): Promise<void> {
  return copyIn(client, plan, (out) => encodeRows(out, rows));
}

/** INSERT … ON CONFLICT, in as many statements as the parameter limit needs. */
export async function insertRows(client: PgPoolClient, plan: WritePlan, rows: readonly PreparedRow[]): Promise<void> {
  const width = plan.columns.length;
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / width));
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const values: (string | null)[] = [];
    const tuples = chunk.map((row) => {
      const slots = row.values.map((value) => {
        values.push(value);
        return `$${values.length}`;
      });
      return `(${slots.join(', ')})`;
    });
    await client.query(
      `INSERT INTO ${plan.table} (${plan.columns.join(', ')}) VALUES ${tuples.join(', ')} ${plan.onConflict ?? ''}`,
      values,
    );
  }
}

/**
 * The 1-based line of a COPY error (`COPY t, line 3, column v: "x"`), when
 * the server names one. The context is one line per level, and a trigger's
 * (`PL/pgSQL function f() line 2 at RAISE`) comes before the COPY's.
 */
function copyErrorLine(error: unknown): number | undefined {
  const where = (error as { where?: unknown } | undefined)?.where;
  const match = typeof where === 'string' ? /^COPY .*?, line (\d+)/m.exec(where) : null;
  return match ? Number(match[1]) : undefined;
}

function writerOf(plan: WritePlan): (client: PgPoolClient, plan: WritePlan, rows: readonly PreparedRow[]) => Promise<void> {
  return plan.onConflict === undefined ? copyRows : insertRows;
}

/** Whether one statement carries all the rows (one COPY, or one INSERT within the parameter limit). */
export function fitsOneStatement(plan: WritePlan, rows: readonly PreparedRow[]): boolean {
  return plan.onConflict === undefined || rows.length * plan.columns.length <= MAX_PARAMS;
}

/**
 * PostgreSQL's `ON CONFLICT DO UPDATE command cannot affect row a second
 * time`: two rows of one INSERT have keys the server finds equal although
 * their texts differ (`1.0` and `1` for a numeric key, letter case for
 * citext). Rows written one at a time cannot meet it.
 */
export function isKeyCollision(error: unknown): boolean {
  return sqlstate(error) === '21000';
}

/**
 * Runs one statement that writes a whole batch outside any transaction:
 * atomic on its own, and one round trip for the common batch where every
 * row is good. Returns the row-level error that refused it (nothing was
 * written then); other errors are thrown.
 */
export async function writeWhole(statement: () => Promise<void>): Promise<unknown> {
  try {
    await statement();
    return undefined;
  } catch (error) {
    if (!isRowLevel(error)) throw error;
    return error;
  }
}

/**
 * Writes rows inside the caller's transaction so that rows the server
 * refuses for row-level reasons are set aside and every other row lands.
 *
 * Each attempt runs under a savepoint. When it fails for a row-level
 * reason, COPY's error names the offending line: the rows before it are
 * written again, that row is rejected, and the rest is attempted on; where
 * no line is named (INSERT … ON CONFLICT) the rows are bisected until the
 * failing ones stand alone. Other errors propagate, and so does a key
 * collision ({@link isKeyCollision}) of an upsert, which the caller answers
 * by writing the batch row by row.
 *
 * `failure` is the row-level error with which all of `rows` were already
 * refused by one statement ({@link writeWhole}): isolation starts from it.
 */
export async function writeIsolated(client: PgPoolClient, plan: WritePlan, rows: readonly PreparedRow[], failure?: unknown): Promise<RejectedRecord[]> {
  const rejected: RejectedRecord[] = [];
  const write = writerOf(plan);

  const attempt = async (part: readonly PreparedRow[]): Promise<void> => {
    if (part.length === 0) return;
    await client.query('SAVEPOINT sluice_batch');
    try {
      await write(client, plan, part);
      await client.query('RELEASE SAVEPOINT sluice_batch');
    } catch (error) {
      if (!isRowLevel(error) || (plan.onConflict !== undefined && isKeyCollision(error))) throw error;
      await client.query('ROLLBACK TO SAVEPOINT sluice_batch');
      await client.query('RELEASE SAVEPOINT sluice_batch');
      await isolate(part, error);
    }
  };

  /** `part` was refused with `error`: set the offending rows aside and write the others. */
  const isolate = async (part: readonly PreparedRow[], error: unknown): Promise<void> => {
    if (part.length === 1) {
      rejected.push({ record: part[0]!.record, error: rowError(error, plan) });
      return;
    }
    const line = plan.onConflict === undefined ? copyErrorLine(error) : undefined;
    if (line !== undefined && line >= 1 && line <= part.length) {
      await attempt(part.slice(0, line - 1));
      rejected.push({ record: part[line - 1]!.record, error: rowError(error, plan) });
      await attempt(part.slice(line));
      return;
    }
    const middle = Math.ceil(part.length / 2);
    await attempt(part.slice(0, middle));
    await attempt(part.slice(middle));
  };

  if (failure === undefined) await attempt(rows);
  else await isolate(rows, failure);
  return rejected;
}

/**
 * Writes rows one statement each, in order, inside the caller's
 * transaction, each under a savepoint: rows the server refuses for
 * row-level reasons are returned, the others written. Slow, but exactly
 * what writing the records one by one would do: for an upsert whose keys
 * collide on the server in ways their texts do not show.
 */
export async function writeRowByRow(client: PgPoolClient, plan: WritePlan, rows: readonly PreparedRow[]): Promise<RejectedRecord[]> {
  const rejected: RejectedRecord[] = [];
  for (const row of rows) {
    await client.query('SAVEPOINT sluice_row');
    try {
      await insertRows(client, plan, [row]);
    } catch (error) {
      if (!isRowLevel(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT sluice_row');
      rejected.push({ record: row.record, error: rowError(error, plan) });
    }
    await client.query('RELEASE SAVEPOINT sluice_row');
  }
  return rejected;
}

/** A quoted identifier as its name. */
function unquote(sql: string): string {
  return sql.startsWith('"') ? sql.slice(1, -1).replace(/""/g, '"') : sql;
}

/**
 * The column a row-level error is about, when the server says: its
 * `column` field (NOT NULL), the COPY context (`COPY t, line 2, column qty:
 * "x"`) or the bind parameter of an INSERT (`unnamed portal parameter $3`).
 */
function columnOf(error: unknown, plan: WritePlan): string | undefined {
  const e = error as { column?: unknown; where?: unknown } | undefined;
  if (typeof e?.column === 'string') return e.column;
  if (typeof e?.where !== 'string') return undefined;
  const copy = /^COPY .*?, line \d+, column (.+?): /m.exec(e.where);
  if (copy) return copy[1];
  const parameter = /\bportal parameter \$(\d+)\b/.exec(e.where);
  const n = parameter ? Number(parameter[1]) : 0;
  if (n < 1 || plan.columns.length === 0) return undefined;
  const column = plan.columns[(n - 1) % plan.columns.length];
  return column === undefined ? undefined : unquote(column);
}

/** The server's error for one row, with SQLSTATE, detail and the column when known, but not the COPY context. */
function rowError(error: unknown, plan: WritePlan): Error {
  const e = error as { message?: string; code?: string; detail?: string; constraint?: string; column?: string };
  let message = e.message ?? String(error);
  const column = columnOf(error, plan);
  // NOT NULL messages already name their column.
  if (column !== undefined && !message.includes(`"${column}"`)) message = `column "${column}": ${message}`;
  if (e.code) message += ` (SQLSTATE ${e.code})`;
  if (e.detail) message += `; ${e.detail}`;
  const result = new Error(message, { cause: error });
  result.name = 'PostgresRowError';
  return result;
}
