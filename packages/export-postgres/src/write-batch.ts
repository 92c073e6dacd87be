import type { DataRecord, RejectedRecord } from '@sluice/core';
import { CopyIn } from './copy-in.js';
import { encodeRows, type CopyTextBuilder } from './encode.js';
import { isRowLevel, type PgPoolClient } from '@sluice/pg-common';

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

/** The 1-based line of a COPY error (`COPY t, line 3, column v: "x"`), when the server names one. */
function copyErrorLine(error: unknown): number | undefined {
  const where = (error as { where?: unknown } | undefined)?.where;
  const match = typeof where === 'string' ? /\bline (\d+)/.exec(where) : null;
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
 * failing ones stand alone. Connection-level errors propagate.
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
      if (!isRowLevel(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT sluice_batch');
      await client.query('RELEASE SAVEPOINT sluice_batch');
      await isolate(part, error);
    }
  };

  /** `part` was refused with `error`: set the offending rows aside and write the others. */
  const isolate = async (part: readonly PreparedRow[], error: unknown): Promise<void> => {
    if (part.length === 1) {
      rejected.push({ record: part[0]!.record, error: rowError(error) });
      return;
    }
    const line = plan.onConflict === undefined ? copyErrorLine(error) : undefined;
    if (line !== undefined && line >= 1 && line <= part.length) {
      await attempt(part.slice(0, line - 1));
      rejected.push({ record: part[line - 1]!.record, error: rowError(error) });
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

/** The server's error for one row, with SQLSTATE, detail and constraint, but not the COPY context. */
function rowError(error: unknown): Error {
  const e = error as { message?: string; code?: string; detail?: string; constraint?: string; column?: string };
  let message = e.message ?? String(error);
  if (e.code) message += ` (SQLSTATE ${e.code})`;
  if (e.detail) message += `; ${e.detail}`;
  const result = new Error(message, { cause: error });
  result.name = 'PostgresRowError';
  return result;
}
