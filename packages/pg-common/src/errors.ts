import { ConnectorError, isRetryable } from '@sluice/core';

interface PgErrorFields {
  code?: string;
  position?: string;
  detail?: string;
}

/** SQLSTATE classes worth a retry: connection, resources, shutdown, serialization. */
const RETRYABLE_CLASSES = new Set(['08', '53', '57', '40']);

/** SQLSTATE classes that blame a row, not the connection or the statement: data exceptions, constraint violations, program limits (row too big). */
const ROW_LEVEL_CLASSES = new Set(['22', '23', '54']);

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

/** Whether the server refused a row for what it holds (a bad value, a constraint): the other rows can still be written. */
export function isRowLevel(error: unknown): boolean {
  const code = sqlstate(error);
  return code !== undefined && ROW_LEVEL_CLASSES.has(code.slice(0, 2));
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
