import { ConnectorError } from '@sluice/core';

// Server replies that mean "not now" rather than "never".
const TRANSIENT_REPLIES = /^(BUSY|LOADING|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|OOM|MOVED|ASK)\b/;

/**
 * Classifies a failed call: a server error reply (ReplyError) is retryable
 * only when transient (LOADING, READONLY during failover, BUSY script, OOM);
 * anything else (connection refused, reset, closed, ioredis giving up on a
 * lost connection) is a connection problem and retryable.
 */
export function classifyRedisError(error: unknown, where: string, endpoint: string, what: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const isReply = error instanceof Error && error.name === 'ReplyError';
  const retryable = isReply ? TRANSIENT_REPLIES.test(message) : true;
  return new ConnectorError(`${what} on redis ${endpoint} failed: ${message}`, { where, retryable, cause: error });
}
