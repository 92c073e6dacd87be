import type Cursor from 'pg-cursor';
import { abortable as abortableBy, ConnectorError } from '@sluice/core';
import type { ConnectorDeps, DataRecord, Logger, PushdownRules, ReadContext, Source } from '@sluice/core';
import { createPool, isConnectionLevel, rangeParser, toConnectorError, typeParsers, watchClient, type PgPool, type PgPoolClient } from '@sluice/pg-common';
import { copyBatches } from './copy-read.js';
import { CopyTextDecoder } from './copy-text.js';
import { translate, type ColumnInfo } from './pushdown.js';
import type { SourceConfig } from './schema.js';
import { inlineParams, NotInlinable } from './sql-literals.js';

const ALIAS = 'sluice_src';
const PROBE_PREFIX = 'SELECT * FROM (\n';

/**
 * Types whose COPY text is decoded by the same parser as the cursor's rows:
 * the built-in scalars the cursor path maps specially or returns as text,
 * and their arrays. `read_mode: auto` reads other types (enums, composites,
 * domains, extensions) through the cursor.
 */
const COPY_TYPES = new Set([
  16, 17, 18, 19, 20, 21, 23, 25, 26, 114, 142, 650, 700, 701, 790, 829, 869, 1042, 1043, 1082, 1083, 1114, 1184, 1186, 1266, 1560, 1562,
  1700, 2950, 3802, 199, 1000, 1001, 1002, 1003, 1005, 1007, 1009, 1014, 1015, 1016, 1021, 1022, 1028, 1041, 1115, 1182, 1183, 1185, 1187,
  1231, 1270, 2951, 3807,
]);

/** The SQL a read runs, with its bound values. */
export interface QueryPlan {
  readonly text: string;
  readonly values: readonly unknown[];
  /** Whether rules were pushed into a WHERE. */
  readonly pushdown: boolean;
  /** Set when the rows are read by `COPY (…) TO STDOUT`: the statement (parameters inlined) and the decoder for its columns. */
  readonly copy?: { readonly text: string; readonly decoder: CopyTextDecoder };
}

interface Shape {
  readonly columns: ReadonlyMap<string, ColumnInfo>;
  /** Output columns in order, as the `LIMIT 0` probe described them. */
  readonly fields: readonly { readonly name: string; readonly dataTypeID: number }[];
  readonly utf8: boolean;
  readonly standardStrings: boolean;
}

type Probe = { readonly shape: Shape; readonly error?: undefined } | { readonly shape?: undefined; readonly error: unknown };

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The read was aborted', 'AbortError');
}

/** Settles like `promise`, or rejects with the abort error as soon as `signal` aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return abortableBy(promise, signal, () => abortError(signal));
}

/** Starts fetching the next batch; a failure surfaces where the batch is awaited, never as an unhandled rejection. */
function prefetch(cursor: Cursor, rows: number): Promise<Record<string, unknown>[]> {
  const next = cursor.read(rows);
  next.catch(() => undefined);
  return next;
}

/** Streams a query's rows through `COPY … TO STDOUT` or a server-side cursor (`read_mode`), with rules pushed into SQL. */
export class PostgresSource implements Source {
  readonly #config: SourceConfig;
  readonly #deps: ConnectorDeps;
  readonly #query: string;
  #pool: PgPool | undefined;

  constructor(config: SourceConfig, deps: ConnectorDeps) {
    this.#config = config;
    this.#deps = deps;
    // A trailing `;` or line comment would break the wrapping subquery.
    this.#query = config.query.trim().replace(/;\s*$/, '');
    this.#pool = deps.client as PgPool | undefined;
  }

  #getPool(): PgPool {
    this.#pool ??= createPool(this.#config, this.#deps);
    return this.#pool;
  }

  async #connect(signal: AbortSignal): Promise<PgPoolClient> {
    const pending = this.#getPool().connect();
    pending.then(
      (client) => signal.aborted && client.release(),
      () => undefined,
    );
    try {
      const client = await abortable(pending, signal);
      return watchClient(client, this.#deps.logger);
    } catch (error) {
      if (signal.aborted) throw abortError(signal);
      throw toConnectorError(error, this.#deps.path, 'cannot connect to PostgreSQL');
    }
  }

  /**
   * Learns the query's output columns (a `LIMIT 0` probe), on every read: a
   * COPY is decoded by these types, and a table may change between runs.
   * An error other than a lost connection means the query cannot be wrapped.
   */
  async #probe(client: PgPoolClient): Promise<Probe> {
    try {
      const probe = await client.query({ text: `${PROBE_PREFIX}${this.#query}\n) AS ${ALIAS} LIMIT 0`, values: this.#config.params });
      const counts = new Map<string, number>();
      for (const field of probe.fields) counts.set(field.name, (counts.get(field.name) ?? 0) + 1);
      const columns = new Map<string, ColumnInfo>();
      for (const field of probe.fields) columns.set(field.name, { oid: field.dataTypeID, duplicate: (counts.get(field.name) ?? 0) > 1 });
      const settings = await client.query(
        `SELECT current_setting('server_encoding') AS encoding, current_setting('standard_conforming_strings') AS standard_strings`,
      );
      const row = settings.rows[0];
      return { shape: { columns, fields: probe.fields, utf8: row?.encoding === 'UTF8', standardStrings: row?.standard_strings !== 'off' } };
    } catch (error) {
      if (isConnectionLevel(error)) throw error;
      return { error };
    }
  }

  /** The COPY statement and decoder for `text`, or undefined when `read_mode: auto` keeps the cursor. */
  #copyPlan(text: string, values: readonly unknown[], probe: Probe): QueryPlan['copy'] {
    const mode = this.#config.read_mode;
    if (mode === 'cursor') return undefined;
    if (!probe.shape) {
      // The probe is the query wrapped as a subquery, so its error is the query's (or says it cannot be wrapped).
      if (mode === 'copy') throw toConnectorError(probe.error, this.#deps.path, 'query failed', this.#query, PROBE_PREFIX.length);
      return undefined;
    }
    const { fields, standardStrings } = probe.shape;
    if (mode === 'auto' && (fields.length === 0 || !fields.every((f) => COPY_TYPES.has(f.dataTypeID)))) return undefined;
    if (fields.length === 0) throw new ConnectorError('read_mode copy: the query returns no columns', { where: this.#deps.path });
    let inlined: string;
    try {
      inlined = inlineParams(text, values, standardStrings);
    } catch (error) {
      if (mode === 'auto' && error instanceof NotInlinable) return undefined;
      throw new ConnectorError(`read_mode copy: ${(error as Error).message}`, { where: this.#deps.path });
    }
    const decoder = new CopyTextDecoder(
      fields.map((f) => ({ name: f.name, parse: typeParsers.getTypeParser(f.dataTypeID, 'text'), parseAt: rangeParser(f.dataTypeID) })),
    );
    return { text: `COPY (\n${inlined}\n) TO STDOUT`, decoder };
  }

  /** The SQL a read with these rules runs. */
  async plan(client: PgPoolClient, rules: PushdownRules | undefined, logger: Logger): Promise<QueryPlan> {
    const pushdown = this.#config.pushdown !== 'off' && rules !== undefined;
    const plain: QueryPlan = { text: this.#query, values: this.#config.params, pushdown: false };
    if (!pushdown && this.#config.read_mode === 'cursor') return plain;
    const probe = await this.#probe(client);
    if (probe.error !== undefined) logger.debug({ err: (probe.error as Error).message }, 'query cannot be wrapped: push-down and COPY disabled');
    let plan = plain;
    if (pushdown && probe.shape) {
      const { where, params } = translate(rules.condition, {
        columns: probe.shape.columns,
        firstParam: this.#config.params.length + 1,
        utf8: probe.shape.utf8,
        alias: ALIAS,
      });
      if (where !== undefined) {
        plan = {
          text: `${PROBE_PREFIX}${this.#query}\n) AS ${ALIAS}\nWHERE ${where}`,
          values: [...this.#config.params, ...params],
          pushdown: true,
        };
      }
    }
    const copy = this.#copyPlan(plan.text, plan.values, probe);
    return copy ? { ...plan, copy } : plan;
  }

  async *read(ctx: ReadContext): AsyncIterable<DataRecord[]> {
    const client = await this.#connect(ctx.signal);
    // A connection left mid-query (error, abort, a COPY stopped early) is destroyed rather than reused.
    const connection = { broken: false };
    let sql: string | undefined;
    try {
      const plan = await this.plan(client, ctx.rules, ctx.logger);
      sql = plan.copy?.text ?? plan.text;
      ctx.logger.debug({ sql, pushdown: plan.pushdown, copy: plan.copy !== undefined }, 'reading PostgreSQL');
      const batchSize = Math.max(1, ctx.batchSize);
      if (plan.copy) {
        connection.broken = true;
        yield* copyBatches(client, plan.copy.text, plan.copy.decoder, batchSize, ctx.signal);
        if (ctx.signal.aborted) throw abortError(ctx.signal);
        connection.broken = false;
      } else {
        yield* this.#readCursor(client, plan, batchSize, ctx.signal, connection);
      }
    } catch (error) {
      connection.broken = true;
      if (ctx.signal.aborted) throw abortError(ctx.signal);
      throw toConnectorError(error, this.#deps.path, 'query failed', sql);
    } finally {
      client.release(connection.broken || ctx.signal.aborted);
    }
  }

  /** Streams a plan through a server-side cursor. */
  async *#readCursor(client: PgPoolClient, plan: QueryPlan, batchSize: number, signal: AbortSignal, connection: { broken: boolean }): AsyncGenerator<DataRecord[]> {
    // Loaded on first use: a COPY read never needs it (nor the pg modules it requires itself).
    const { default: CursorClass } = await import('pg-cursor');
    const cursor = client.query(new CursorClass(plan.text, plan.values, { types: typeParsers }));
    let pending: Promise<Record<string, unknown>[]> | undefined;
    let errored = false;
    try {
      let next = prefetch(cursor, batchSize);
      pending = next;
      for (;;) {
        const rows = await abortable(next, signal);
        pending = undefined;
        // pg-cursor returns a short batch only once the portal is exhausted.
        const more = rows.length === batchSize;
        // The server fills the next batch while this one is evaluated and exported: two batches in memory at most.
        if (more) pending = next = prefetch(cursor, batchSize);
        if (rows.length > 0) yield rows;
        if (!more) break;
      }
    } catch (error) {
      errored = true;
      throw error;
    } finally {
      if (!errored) {
        try {
          // The consumer stopped early: let the fetch in flight finish before closing the portal.
          if (pending) await pending;
          await cursor.close();
        } catch {
          connection.broken = true;
        }
      }
    }
  }

  async check(signal: AbortSignal): Promise<void> {
    const client = await this.#connect(signal);
    let failed = false;
    try {
      // The extended protocol, as a read uses: the simple one would accept several statements that the read then refuses.
      await abortable(client.query({ text: `EXPLAIN ${this.#query}`, values: this.#config.params, queryMode: 'extended' }), signal);
    } catch (error) {
      failed = true;
      if (signal.aborted) throw abortError(signal);
      throw toConnectorError(error, this.#deps.path, 'query check failed', this.#query, 'EXPLAIN '.length);
    } finally {
      client.release(failed);
    }
  }

  async explain(rules: PushdownRules | undefined): Promise<string> {
    if ((this.#config.pushdown === 'off' || !rules) && this.#config.read_mode === 'cursor') return this.#query;
    const signal = new AbortController().signal;
    const client = await this.#connect(signal);
    try {
      const plan = await this.plan(client, rules, this.#deps.logger);
      const values = plan.values.length > 0 ? `\n-- params: ${JSON.stringify(plan.values)}` : '';
      const pushdown = plan.pushdown || !rules ? '' : '\n-- push-down: none (no rule condition can be expressed in SQL)';
      const read = plan.copy ? `\n-- read with (parameters inlined as constants):\n${plan.copy.text}` : '';
      return `${plan.text}${values}${pushdown}${read}`;
    } catch (error) {
      throw toConnectorError(error, this.#deps.path, 'explain failed');
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    if (!pool || pool === this.#deps.client) return;
    this.#pool = undefined;
    await pool.end();
  }
}
