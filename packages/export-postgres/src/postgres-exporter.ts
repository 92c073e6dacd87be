import { ConnectorError } from '@sluice/core';
import type { ConnectorDeps, DataRecord, ExportRun, ExportSession, Exporter, RejectedRecord, WriteResult } from '@sluice/core';
import { createPool, sqlstate, toConnectorError, watchClient, type PgPool, type PgPoolClient } from '@sluice/pg-common';
import { encodeRecords, toPgText } from './encode.js';
import type { ExporterConfig } from './schema.js';
import { createTableSql, inferColumnType, loadColumns, parseTableName, quoteIdent, uniqueKeys, type TableColumn, type TableName } from './table.js';
import { UpsertRounds } from './upsert-rounds.js';
import { copyIn, fitsOneStatement, insertRows, isKeyCollision, writeIsolated, writeRowByRow, writeWhole, type PreparedRow, type WritePlan } from './write-batch.js';

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

  #plan(
    records: readonly DataRecord[],
    columns: Map<string, TableColumn>,
  ): { plan: WritePlan; fields: [string, TableColumn][]; upsert?: { readonly keyIndexes: readonly number[]; readonly lastWins: boolean } } {
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
    let upsert: { keyIndexes: number[]; lastWins: boolean } | undefined;
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
      // With DO UPDATE the last record of a key is the one one-by-one writes leave; with DO NOTHING the first.
      upsert = { keyIndexes: conflict.map((name) => names.indexOf(name)), lastWins: updates.length > 0 };
    }
    return { plan: { table: this.#table.sql, columns: names.map(quoteIdent), onConflict }, fields, ...(upsert ? { upsert } : {}) };
  }

  #prepare(records: readonly DataRecord[], fields: readonly [string, TableColumn][]): PreparedRow[] {
    return records.map((record) => ({ record, values: fields.map(([field, column]) => toPgText(record[field], column.shape)) }));
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
    const rollback = async (): Promise<void> => {
      inTransaction = false;
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
    };
    try {
      const columns = await this.#tableColumns(client, batch);
      const { plan, fields, upsert } = this.#plan(batch, columns);
      if (fields.length === 0) throw new ConnectorError(`no record field matches a column of ${this.#config.table}`, { where: this.#deps.path });
      if (upsert === undefined) {
        // Most batches are all good: one COPY encoded straight from the records.
        const failure = await writeWhole(() => copyIn(client, plan, (out) => encodeRecords(out, batch, fields)));
        if (failure === undefined) return {};
        // Some row was refused: write what is good in one transaction.
        await client.query('BEGIN');
        inTransaction = true;
        const rejected = await writeIsolated(client, plan, this.#prepare(batch, fields), failure);
        await client.query('COMMIT');
        inTransaction = false;
        return rejected.length > 0 ? { rejected } : {};
      }
      const rows = this.#prepare(batch, fields);
      const rounds = new UpsertRounds(rows, upsert.keyIndexes, upsert.lastWins);
      let round = rounds.first();
      let failure: unknown;
      let rejected: RejectedRecord[] = [];
      if (fitsOneStatement(plan, round)) {
        const whole = round;
        failure = await writeWhole(() => insertRows(client, plan, whole));
        if (failure === undefined) return {};
      }
      await client.query('BEGIN');
      inTransaction = true;
      try {
        if (failure !== undefined && isKeyCollision(failure)) throw failure;
        // Some record was refused (or the round needs several statements): write what is good, then the next candidates of refused keys.
        while (round.length > 0) {
          const refused = await writeIsolated(client, plan, round, failure);
          failure = undefined;
          rejected.push(...refused);
          round = rounds.next(refused);
        }
      } catch (error) {
        if (!isKeyCollision(error)) throw error;
        // Keys the server finds equal although their texts differ: start over and write the records one by one, in order.
        await rollback();
        await client.query('BEGIN');
        inTransaction = true;
        rejected = await writeRowByRow(client, plan, rows);
      }
      await client.query('COMMIT');
      inTransaction = false;
      return rejected.length > 0 ? { rejected } : {};
    } catch (error) {
      if (signal.aborted) throw abortError(signal);
      if (inTransaction) await rollback();
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

  /**
   * Checks what can be checked without writing: the table exists (or may be
   * created), the `columns` mapping, `conflict_columns` and `update_columns`
   * name columns of it, and an upsert's key has the unique index
   * `ON CONFLICT` needs. A run would otherwise refuse every batch.
   */
  async check(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw abortError(signal);
    const client = await this.#connect();
    try {
      const columns = await loadColumns(client, this.#table);
      if (!columns) {
        if (this.#config.create_table) return;
        throw new ConnectorError(`table ${this.#config.table} does not exist (set create_table: true to create it)`, { where: this.#deps.path });
      }
      const path = this.#deps.path;
      const known = (): string => [...columns.keys()].join(', ');
      for (const [field, name] of Object.entries(this.#config.columns ?? {})) {
        if (!columns.has(name)) {
          throw new ConnectorError(`column "${name}" (mapped from field "${field}") does not exist in ${this.#config.table} (columns: ${known()})`, { where: `${path}.columns` });
        }
      }
      if (this.#config.mode !== 'upsert') return;
      const conflict = this.#config.conflict_columns ?? [];
      const written = this.#config.columns ? new Set(Object.values(this.#config.columns)) : undefined;
      for (const [option, names] of [['conflict_columns', conflict], ['update_columns', this.#config.update_columns ?? []]] as const) {
        for (const name of names) {
          if (!columns.has(name)) throw new ConnectorError(`column "${name}" does not exist in ${this.#config.table} (columns: ${known()})`, { where: `${path}.${option}` });
          if (option === 'conflict_columns' && written && !written.has(name)) {
            throw new ConnectorError(`conflict column "${name}" is not among the columns the mapping writes (${[...written].join(', ')})`, { where: `${path}.conflict_columns` });
          }
        }
      }
      const key = [...new Set(conflict)].sort();
      const keys = await uniqueKeys(client, this.#table);
      if (!keys.some((k) => k.length === key.length && [...k].sort().every((name, i) => name === key[i]))) {
        throw new ConnectorError(
          `${this.#config.table} has no unique index or constraint on exactly (${conflict.join(', ')}), which upsert needs for ON CONFLICT` +
            (keys.length > 0 ? ` (unique keys: ${keys.map((k) => `(${k.join(', ')})`).join(', ')})` : ''),
          { where: `${path}.conflict_columns` },
        );
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
