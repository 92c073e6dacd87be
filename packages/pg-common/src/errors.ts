import { ConnectorError, isRetryable } from '@sluice/core';

interface PgErrorFields {
  code?: string;
  position?: string;
  detail?: string;
}

/** SQLSTATE classes worth a retry: connection, resources, shutdown, serialization. */
const RETRYABLE_CLASSES = new Set(['08', '53', '57', '40']);

/**
 * SQLSTATE classes that never blame a row: the connection, the server's
 * state or resources, the transaction, the statement itself (syntax,
 * privileges, a missing object or constraint), or a failure inside the
 * server. Writing the rows one by one would fail the same way for each (or,
 * for a lost connection, must not be tried): the batch fails as a whole.
 */
const STATEMENT_LEVEL_CLASSES = new Set([
  '08', // connection exception
  '0A', // feature not supported
  '0B', // invalid transaction initiation
  '0F', // locator exception
  '0L', // invalid grantor
  '0P', // invalid role specification
  '24', // invalid cursor state
  '25', // invalid transaction state (read-only transaction, in failed transaction)
  '26', // invalid SQL statement name
  '28', // invalid authorization
  '2B', // dependent privilege descriptors still exist
  '2D', // invalid transaction termination
  '34', // invalid cursor name
  '3B', // savepoint exception
  '3D', // invalid catalog name
  '3F', // invalid schema name
  '40', // transaction rollback (serialization failure, deadlock)
  '42', // syntax error or access rule violation (privileges, undefined column, no matching constraint)
  '53', // insufficient resources (disk full, out of memory, too many connections)
  '55', // object not in prerequisite state (lock not available)
  '57', // operator intervention (admin shutdown, statement timeout, cancel)
  '58', // system error (I/O)
  '72', // snapshot failure
  'F0', // configuration file error
  'HV', // foreign data wrapper error (connections to the remote server among them)
  'XX', // internal error
]);

/** The SQLSTATE of a pg error, if it has one. */
export function sqlstate(error: unknown): string | undefined {
  const code = (error as PgErrorFields | undefined)?.code;
  return typeof code === 'string' && code.length === 5 ? code : undefined;
}

/** Whether a pg error means the connection or server is (temporarily) gone: retry the whole operation. */
export function isConnectionLevel(error: unknown): boolean {
  if (isRetryable(error)) return true;
  const code = sqlstate(error);
  if (code !== undefined && RETRYABLE_CLASSES.has(code.slice(0, 2))) {
    // 57014 is a statement_timeout or a cancel: running the same query again would only time out again.
    return code !== '57014';
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect/i.test(
    message,
  );
}

/**
 * Whether the server refused a row for what it holds, so that the other rows
 * can still be written: a bad value (22), a constraint (23), a row too big
 * (54), a view's check option (44), and what triggers and functions raise
 * (P0 `RAISE EXCEPTION`, 38/39 external routines, 09, 27, 2F, 21 a
 * subquery returning two rows). Any error with a SQLSTATE outside the
 * {@link STATEMENT_LEVEL_CLASSES} counts, so that a trigger's own codes do
 * too; errors without a SQLSTATE (a dropped socket) never do.
 */
export function isRowLevel(error: unknown): boolean {
  const code = sqlstate(error);
  return code !== undefined && !STATEMENT_LEVEL_CLASSES.has(code.slice(0, 2)) && !isConnectionLevel(error);
}

/** A URL with its password removed, safe for logs. */
export function redactUrl(text: string): string {
  return text.replace(/(\w+:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');
}

/** Points at `position` (1-based, from the server) inside `sql`. */
function excerpt(sql: string, position: number): string {
  const start = Math.max(0, position - 30);
  const snippet = sql.slice(start, position + 30).replace(/\s+/g, ' ');
  return `${start > 0 ? '…' : ''}${snippet}${position + 30 < sql.length ? '…' : ''}`;
}

/**
 * Turns a pg or network error into a {@link ConnectorError} naming where it
 * happened, with the server's message, SQLSTATE and position (counted in
 * `sql`, after `positionOffset` characters the connector put before it);
 * never a password. Retryable when the connection is at fault.
 */
export function toConnectorError(error: unknown, where: string, action: string, sql?: string, positionOffset = 0): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const fields = (error ?? {}) as PgErrorFields;
  let message = redactUrl(error instanceof Error ? error.message : String(error));
  const code = sqlstate(error);
  if (code) message += ` (SQLSTATE ${code})`;
  if (fields.position && sql) {
    const position = Number(fields.position) - positionOffset;
    message += ` at position ${position}: ${excerpt(sql, position - 1)}`;
  }
  if (fields.detail) message += `; ${redactUrl(fields.detail)}`;
  return new ConnectorError(`${action}: ${message}`, { where, retryable: isConnectionLevel(error), cause: error });
}
