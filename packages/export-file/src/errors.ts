import { relative } from 'node:path';
import { ConnectorError } from '@sluice/core';

/** Filesystem conditions that usually clear up on their own. */
const TRANSIENT = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR']);

/**
 * Wraps a filesystem error as a {@link ConnectorError} naming the target and
 * the file (relative to the config directory, so messages stay short).
 */
export function fileError(where: string, baseDir: string, action: string, path: string, error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const code = (error as { code?: unknown }).code;
  const reason = error instanceof Error ? error.message : String(error);
  return new ConnectorError(`cannot ${action} "${displayPath(baseDir, path)}": ${reason}`, {
    where,
    retryable: typeof code === 'string' && TRANSIENT.has(code),
    cause: error,
  });
}

/** A path as the user wrote it: relative to the config directory when inside it. */
export function displayPath(baseDir: string, path: string): string {
  const rel = relative(baseDir, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
