import { ConnectorError } from '@sluice/core';
import type { ConnectorDeps, DataRecord, ExportRun, ExportSession, Exporter, WriteResult } from '@sluice/core';
import { createPool, sqlstate, toConnectorError, watchClient, type PgPool, type PgPoolClient } from '@sluice/pg-common';
import { encodeRecords, toPgText } from './encode.js';
import type { ExporterConfig } from './schema.js';
import { createTableSql, inferColumnType, loadColumns, parseTableName, quoteIdent, type TableColumn, type TableName } from './table.js';
import { copyIn, fitsOneStatement, insertRows, writeIsolated, writeWhole, type PreparedRow, type WritePlan } from './write-batch.js';

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The write was aborted', 'AbortError');
}

/** Writes matched records to a PostgreSQL table, one transaction per batch. */
export class PostgresExporter implements Exporter {
  readonly delivery = 'batch' as const;
  /** Appends may overlap, each on its own pooled connection (no more than the pool holds); upserts keep their order. */
  readonly maxInFlight: number;
  readonly #config: ExporterConfig;
  readonly #deps: ConnectorDeps;
  readonly #table: TableName;
  #pool: PgPool | undefined;
  #columns: Map<string, TableColumn> | undefined;
  /** The lookup (and creation) in progress: writes in flight wait for one rather than racing to create the table. */
  #columnsPending: Promise<Map<string, TableColumn>> | undefined;
  readonly #warnedFields = new Set<string>();

  constructor(config: ExporterConfig, deps: ConnectorDeps) {
    this.#config = config;
    this.#deps = deps;
    try {
      this.#table = parseTableName(config.table);
    } catch (error) {
      throw new ConnectorError((error as Error).message, { where: `${deps.path}.table` });
    }
    this.#pool = deps.client as PgPool | undefined;
    this.maxInFlight = config.mode === 'upsert' ? 1 : Math.min(config.concurrency ?? 2, config.pool.max);
  }

  #getPool(): PgPool {
    this.#pool ??= createPool(this.#config, this.#deps);
    return this.#pool;
  }

  async #connect(): Promise<PgPoolClient> {
    try {
      return watchClient(await this.#getPool().connect(), this.#deps.logger);
    } catch (error) {
      throw toConnectorError(error, this.#deps.path, 'cannot connect to PostgreSQL');
    }
  }

  /** The table's columns, creating the table from `sample` when allowed; writes that overlap share one lookup. */
  async #tableColumns(client: PgPoolClient, sample: readonly DataRecord[]): Promise<Map<string, TableColumn>> {
    if (this.#columns) return this.#columns;
    this.#columnsPending ??= this.#lookUpColumns(client, sample).then(
      (columns) => {
        this.#columns = columns;
        this.#columnsPending = undefined;
        return columns;
      },
      (error: unknown) => {
        this.#columnsPending = undefined;
        throw error;
      },
    );
    return this.#columnsPending;
  }

  async #lookUpColumns(client: PgPoolClient, sample: readonly DataRecord[]): Promise<Map<string, TableColumn>> {
    let columns = await loadColumns(client, this.#table);
    if (!columns) {
      if (!this.#config.create_table) {
        throw new ConnectorError(`table ${this.#config.table} does not exist (set create_table: true to create it)`, {
          where: this.#deps.path,
        });
      }
      const fields = this.#fieldsOf(sample);
      const defs = fields.map(([field, column]) => ({ name: column, type: inferColumnType(sample, field) }));
      try {
        await client.query(createTableSql(this.#table, defs, this.#config.mode === 'upsert' ? this.#config.conflict_columns : undefined));
        this.#deps.logger.info({ table: this.#config.table, columns: defs }, 'created table');
      } catch (error) {
        // Another session created it first: its table (42P07), or its row type while both were creating (42710, 23505 on pg_type).
        const code = sqlstate(error);
        if (code !== '42P07' && code !== '42710' && code !== '23505') throw error;
      }
      columns = await loadColumns(client, this.#table);
      if (!columns) throw new ConnectorError(`table ${this.#config.table} could not be created`, { where: this.#deps.path });
    }
    return columns;
  }

  /** `[field, column]` pairs: the mapping, or every field seen in the batch. */
  #fieldsOf(records: readonly DataRecord[]): [string, string][] {
    if (this.#config.columns) return Object.entries(this.#config.columns);
    const order: string[] = [];
    const seen = new Set<string>();
    for (let r = 0; r < records.length; r++) {
      const record = records[r]!;
      // Records of one batch mostly share their keys in the same order: those match `order` position by position, without a set lookup.
      let i = 0;
      for (const field in record) {
        if (!Object.hasOwn(record, field)) continue;
        if (i >= 0 && order[i] === field) i++;
        else {
          i = -1;
          if (!seen.has(field)) {
            seen.add(field);
            order.push(field);
          }
        }
      }
    }
    return order.map((field) => [field, field]);
  }

  #plan(records: readonly DataRecord[], columns: Map<string, TableColumn>): { plan: WritePlan; fields: [string, TableColumn][] } {
    const fields: [string, TableColumn][] = [];
    for (const [field, name] of this.#fieldsOf(records)) {
      const column = columns.get(name);
      if (column) fields.push([field, column]);
      else if (this.#config.columns) {
        throw new ConnectorError(`column "${name}" (mapped from field "${field}") does not exist in ${this.#config.table}`, {
          where: `${this.#deps.path}.columns`,
        });
      } else if (!this.#warnedFields.has(field)) {
        this.#warnedFields.add(field);
        this.#deps.logger.warn({ field, table: this.#config.table }, 'field has no column of that name: not written');
      }
    }
    const names = fields.map(([, column]) => column.name);
    let onConflict: string | undefined;
    if (this.#config.mode === 'upsert') {
      const conflict = this.#config.conflict_columns ?? [];
      for (const name of conflict) {
        if (!names.includes(name)) {
          throw new ConnectorError(`conflict column "${name}" is not among the written columns (${names.join(', ')})`, {
            where: `${this.#deps.path}.conflict_columns`,
          });
        }
      }
      const updates = (this.#config.update_columns ?? names.filter((n) => !conflict.includes(n))).filter((n) => names.includes(n));
      onConflict =
        `ON CONFLICT (${conflict.map(quoteIdent).join(', ')}) ` +
        (updates.length === 0 ? 'DO NOTHING' : `DO UPDATE SET ${updates.map((n) => `${quoteIdent(n)} = EXCLUDED.${quoteIdent(n)}`).join(', ')}`);
    }
    return { plan: { table: this.#table.sql, columns: names.map(quoteIdent), onConflict }, fields };
  }

  #prepare(records: readonly DataRecord[], fields: readonly [string, TableColumn][]): PreparedRow[] {
    const rows = records.map((record) => ({ record, values: fields.map(([field, column]) => toPgText(record[field], column.shape)) }));
    if (this.#config.mode !== 'upsert') return rows;
    // ON CONFLICT cannot touch one row twice in a statement: within a batch the last record per key wins.
    const keyIndexes = (this.#config.conflict_columns ?? []).map((name) => fields.findIndex(([, c]) => c.name === name));
    const byKey = new Map<string, PreparedRow>();
    for (const row of rows) {
      const key = JSON.stringify(keyIndexes.map((i) => row.values[i]));
      byKey.delete(key);
      byKey.set(key, row);
    }
    return [...byKey.values()];
  }

  async write(batch: readonly DataRecord[], signal: AbortSignal): Promise<WriteResult> {
    if (batch.length === 0) return {};
    if (signal.aborted) throw abortError(signal);
    const client = await this.#connect();
    let broken = false;
    const onAbort = (): void => {
      // Dropping the connection rolls the transaction back on the server.
      broken = true;
      client.release(true);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let inTransaction = false;
    try {
      const columns = await this.#tableColumns(client, batch);
      const { plan, fields } = this.#plan(batch, columns);
      if (fields.length === 0) throw new ConnectorError(`no record field matches a column of ${this.#config.table}`, { where: this.#deps.path });
      let failure: unknown;
      let rows: PreparedRow[] | undefined;
      if (plan.onConflict === undefined) {
        // Most batches are all good: one COPY encoded straight from the records.
        failure = await writeWhole(() => copyIn(client, plan, (out) => encodeRecords(out, batch, fields)));
        if (failure === undefined) return {};
      } else {
        const prepared = (rows = this.#prepare(batch, fields));
        if (fitsOneStatement(plan, prepared)) {
          failure = await writeWhole(() => insertRows(client, plan, prepared));
          if (failure === undefined) return {};
        }
      }
      // Some row was refused (or the batch needs several statements): write what is good in one transaction.
      rows ??= this.#prepare(batch, fields);
      await client.query('BEGIN');
      inTransaction = true;
      const rejected = await writeIsolated(client, plan, rows, failure);
      await client.query('COMMIT');
      inTransaction = false;
      return rejected.length > 0 ? { rejected } : {};
    } catch (error) {
      if (signal.aborted) throw abortError(signal);
      if (inTransaction) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
      }
      const wrapped = toConnectorError(error, this.#deps.path, `writing to ${this.#config.table} failed`);
      if (wrapped.retryable) broken = true;
      // The table may have changed (dropped, altered): look again next time.
      this.#columns = undefined;
      throw wrapped;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (!signal.aborted) client.release(broken);
    }
  }

  async open(run: ExportRun): Promise<ExportSession> {
    void run;
    return {
      write: (batch, signal) => this.write(batch, signal),
      end: async () => ({}),
    };
  }

  /** A pooled connection opened and the table looked up while the run reads its first batch. */
  async prepare(signal: AbortSignal): Promise<void> {
    if (this.#columns || signal.aborted) return;
    const client = await this.#connect();
    try {
      const columns = await loadColumns(client, this.#table);
      this.#columns ??= columns;
    } finally {
      client.release();
    }
  }

  async check(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw abortError(signal);
    const client = await this.#connect();
    try {
      const columns = await loadColumns(client, this.#table);
      if (!columns && !this.#config.create_table) {
        throw new ConnectorError(`table ${this.#config.table} does not exist (set create_table: true to create it)`, { where: this.#deps.path });
      }
    } catch (error) {
      throw toConnectorError(error, this.#deps.path, 'check failed');
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#columns = undefined;
    if (!pool || pool === this.#deps.client) return;
    this.#pool = undefined;
    await pool.end();
  }
}
