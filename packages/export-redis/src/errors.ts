import { ConnectorError } from '@sluice/core';

// Server replies that mean "not now" rather than "never".
const TRANSIENT_REPLIES = /^(BUSY|LOADING|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|OOM|MOVED|ASK)\b/;

/** Whether a server error reply means "not now" (OOM, LOADING, READONLY during failover, ...) rather than "never". */
export function isTransientReply(message: string): boolean {
  return TRANSIENT_REPLIES.test(message);
}

// What ioredis rejects pending calls with when the connection goes; the cause is in its 'error' event.
const CONNECTION_CLOSED = 'Connection is closed.';

/**
 * Classifies a failed call: a server error reply (ReplyError) is retryable
 * only when transient (LOADING, READONLY during failover, BUSY script, OOM);
 * anything else (connection refused, reset, closed) is a connection problem
 * and retryable. `lastError`, the last error the client emitted, names the
 * real cause (ECONNREFUSED, ENOTFOUND, ECONNRESET) behind ioredis' generic
 * "Connection is closed.".
 */
export function classifyRedisError(error: unknown, where: string, endpoint: string, what: string, lastError?: Error): ConnectorError {
  if (error instanceof ConnectorError) return error;
  let message = error instanceof Error ? error.message : String(error);
  if (message === CONNECTION_CLOSED && lastError !== undefined && lastError !== error) message = `${message} (${lastError.message})`;
  const isReply = error instanceof Error && error.name === 'ReplyError';
  const retryable = isReply ? isTransientReply(message) : true;
  return new ConnectorError(`${what} on redis ${endpoint} failed: ${message}`, { where, retryable, cause: error });
}
