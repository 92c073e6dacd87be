import type { Writable } from 'node:stream';

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
  readonly rowCount: number | null;
}

/** A COPY FROM STDIN stream as pg-copy-streams submits it. */
export type PgCopyStream = Writable;

export interface PgPoolClient {
  query(text: string, values?: readonly unknown[]): Promise<PgResult>;
  query<T extends PgCopyStream>(submittable: T): T;
  release(destroy?: boolean | Error): void;
  /** A checked-out client reports a dropped connection as an `error` event; unheard, it would crash the process. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

export interface PgPool {
  connect(): Promise<PgPoolClient>;
  end(): Promise<void>;
}
