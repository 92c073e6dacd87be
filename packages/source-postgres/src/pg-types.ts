/**
 * The part of node-postgres this package uses, typed structurally (like
 * kysely's `PostgresPool`) so an injected pool need not share our pg copy.
 */
export interface PgField {
  readonly name: string;
  readonly dataTypeID: number;
}

export interface PgResult {
  readonly rows: Record<string, unknown>[];
  readonly fields: readonly PgField[];
}

export interface PgTypeParsers {
  getTypeParser(oid: number, format?: string): (text: string) => unknown;
}

export interface PgQueryConfig {
  readonly text: string;
  readonly values?: readonly unknown[];
  readonly types?: PgTypeParsers;
}

/** A submittable such as a pg-cursor `Cursor`. */
export interface PgCursor {
  read(rows: number): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface PgPoolClient {
  query(config: PgQueryConfig): Promise<PgResult>;
  query(text: string, values?: readonly unknown[]): Promise<PgResult>;
  query<T extends PgCursor>(submittable: T): T;
  release(destroy?: boolean | Error): void;
  /** A checked-out client reports a dropped connection as an `error` event; unheard, it would crash the process. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

export interface PgPool {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}
