import Cursor from 'pg-cursor';
import { abortable as abortableBy } from '@sluice/core';
import type { ConnectorDeps, DataRecord, Logger, PushdownRules, ReadContext, Source } from '@sluice/core';
import { createPool, isConnectionLevel, toConnectorError, typeParsers, watchClient, type PgPool, type PgPoolClient } from '@sluice/pg-common';
import { translate, type ColumnInfo } from './pushdown.js';
import type { SourceConfig } from './schema.js';

const ALIAS = 'sluice_src';

/** The SQL a read runs, with its bound values. */
export interface QueryPlan {
  readonly text: string;
  readonly values: readonly unknown[];
  /** Whether rules were pushed into a WHERE. */
  readonly pushdown: boolean;
}

interface Shape {
  readonly columns: ReadonlyMap<string, ColumnInfo>;
  readonly utf8: boolean;
}

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

/** Streams a query's rows through a server-side cursor, with rules pushed into SQL. */
export class PostgresSource implements Source {
  readonly #config: SourceConfig;
  readonly #deps: ConnectorDeps;
  readonly #query: string;
  #pool: PgPool | undefined;
  #shape: Promise<Shape | undefined> | undefined;

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

  /** Learns the query's output columns once (a `LIMIT 0` probe); undefined when the query cannot be wrapped. */
  #probe(client: PgPoolClient, logger: Logger): Promise<Shape | undefined> {
    this.#shape ??= (async () => {
      try {
        const probe = await client.query({ text: `SELECT * FROM (\n${this.#query}\n) AS ${ALIAS} LIMIT 0`, values: this.#config.params });
        const counts = new Map<string, number>();
        for (const field of probe.fields) counts.set(field.name, (counts.get(field.name) ?? 0) + 1);
        const columns = new Map<string, ColumnInfo>();
        for (const field of probe.fields) columns.set(field.name, { oid: field.dataTypeID, duplicate: (counts.get(field.name) ?? 0) > 1 });
        const encoding = await client.query(`SELECT current_setting('server_encoding') AS encoding`);
        return { columns, utf8: encoding.rows[0]?.encoding === 'UTF8' };
      } catch (error) {
        if (isConnectionLevel(error)) throw error;
        logger.debug({ err: (error as Error).message }, 'query cannot be wrapped: push-down disabled');
        return undefined;
      }
    })();
    this.#shape.catch(() => (this.#shape = undefined));
    return this.#shape;
  }

  /** The SQL a read with these rules runs. */
  async plan(client: PgPoolClient, rules: PushdownRules | undefined, logger: Logger): Promise<QueryPlan> {
    const plain: QueryPlan = { text: this.#query, values: this.#config.params, pushdown: false };
    if (this.#config.pushdown === 'off' || !rules) return plain;
    const shape = await this.#probe(client, logger);
    if (!shape) return plain;
    const { where, params } = translate(rules.condition, {
      columns: shape.columns,
      firstParam: this.#config.params.length + 1,
      utf8: shape.utf8,
      alias: ALIAS,
    });
    if (where === undefined) return plain;
    return {
      text: `SELECT * FROM (\n${this.#query}\n) AS ${ALIAS}\nWHERE ${where}`,
      values: [...this.#config.params, ...params],
      pushdown: true,
    };
  }

  async *read(ctx: ReadContext): AsyncIterable<DataRecord[]> {
    const client = await this.#connect(ctx.signal);
    let failed = false;
    let cursor: Cursor | undefined;
    let pending: Promise<Record<string, unknown>[]> | undefined;
    let sql: string | undefined;
    try {
      const plan = await this.plan(client, ctx.rules, ctx.logger);
      sql = plan.text;
      ctx.logger.debug({ sql: plan.text, pushdown: plan.pushdown }, 'reading PostgreSQL');
      cursor = client.query(new Cursor(plan.text, plan.values, { types: typeParsers }));
      const batchSize = Math.max(1, ctx.batchSize);
      let next = prefetch(cursor, batchSize);
      pending = next;
      for (;;) {
        const rows = await abortable(next, ctx.signal);
        pending = undefined;
        // pg-cursor returns a short batch only once the portal is exhausted.
        const more = rows.length === batchSize;
        // The server fills the next batch while this one is evaluated and exported: two batches in memory at most.
        if (more) pending = next = prefetch(cursor, batchSize);
        if (rows.length > 0) yield rows;
        if (!more) break;
      }
    } catch (error) {
      failed = true;
      if (ctx.signal.aborted) throw abortError(ctx.signal);
      throw toConnectorError(error, this.#deps.path, 'query failed', sql);
    } finally {
      if (cursor && !failed) {
        try {
          // The consumer stopped early: let the fetch in flight finish before closing the portal.
          if (pending) await pending;
          await cursor.close();
        } catch {
          failed = true;
        }
      }
      // A connection left mid-query (error, abort) is destroyed rather than reused.
      client.release(failed || ctx.signal.aborted);
    }
  }

  async check(signal: AbortSignal): Promise<void> {
    const client = await this.#connect(signal);
    let failed = false;
    try {
      await abortable(client.query({ text: `EXPLAIN ${this.#query}`, values: this.#config.params }), signal);
    } catch (error) {
      failed = true;
      if (signal.aborted) throw abortError(signal);
      throw toConnectorError(error, this.#deps.path, 'query check failed', this.#query, 'EXPLAIN '.length);
    } finally {
      client.release(failed);
    }
  }

  async explain(rules: PushdownRules | undefined): Promise<string> {
    if (this.#config.pushdown === 'off' || !rules) return this.#query;
    const signal = new AbortController().signal;
    const client = await this.#connect(signal);
    try {
      const plan = await this.plan(client, rules, this.#deps.logger);
      const values = plan.values.length > 0 ? `\n-- params: ${JSON.stringify(plan.values)}` : '';
      return `${plan.text}${values}${plan.pushdown ? '' : '\n-- push-down: none (no rule condition can be expressed in SQL)'}`;
    } catch (error) {
      throw toConnectorError(error, this.#deps.path, 'explain failed');
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#shape = undefined;
    if (!pool || pool === this.#deps.client) return;
    this.#pool = undefined;
    await pool.end();
  }
}
