/**
 * The part of node-postgres the PostgreSQL connectors use, typed
 * structurally (like kysely's `PostgresPool`) so an injected pool need not
 * share our copy of pg.
 */
export interface PgField {
  readonly name: string;
  readonly dataTypeID: number;
}

export interface PgResult {
  readonly rows: Record<string, unknown>[];
  readonly fields: readonly PgField[];
  readonly rowCount?: number | null;
}

/** Per-query type parsers, as pg's `types` option takes them. */
export interface PgTypeParsers {
  getTypeParser(oid: number, format?: string): (text: string) => unknown;
}

export interface PgQueryConfig {
  readonly text: string;
  readonly values?: readonly unknown[];
  readonly types?: PgTypeParsers;
  /** `extended` sends even a query without parameters through the extended protocol, which refuses several statements as a cursor does. */
  readonly queryMode?: 'extended';
}

/** Something `client.query()` submits and returns as is: a pg-cursor `Cursor`, a pg-copy-streams stream. */
export interface PgSubmittable {
  submit(connection: unknown): void;
}

/** A client checked out of a {@link PgPool}. */
export interface PgPoolClient {
  query<T extends PgSubmittable>(submittable: T): T;
  query(config: PgQueryConfig): Promise<PgResult>;
  query(text: string, values?: readonly unknown[]): Promise<PgResult>;
  /** `true` (or an error) destroys the connection instead of returning it to the pool. */
  release(destroy?: boolean | Error): void;
  /** A checked-out client reports a dropped connection as an `error` event; unheard, it would crash the process. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/** A connection pool such as `pg.Pool`; pass one as `deps.client` to share it. */
export interface PgPool {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}
