/**
 * An error a connector raises, classified so core can decide what to do.
 * `retryable` errors are retried with backoff; others fail at once.
 *
 * @example
 * throw new ConnectorError('bucket "x" does not exist', { where: 'export_targets.archive', retryable: false });
 */
export class ConnectorError extends Error {
  /** Config path or target the error belongs to, e.g. `export_targets.alerts`. */
  readonly where: string | undefined;
  readonly retryable: boolean;
  /** A server's `Retry-After`, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: { where?: string; retryable?: boolean; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(options.where ? `${options.where}: ${message}` : message, { cause: options.cause });
    this.name = 'ConnectorError';
    this.where = options.where;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
  '57P01', // PostgreSQL admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

/**
 * Whether an error is worth retrying: an explicit `retryable` flag wins,
 * then well-known transient network and server-shutdown codes.
 */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const flagged = (error as { retryable?: unknown }).retryable;
  if (typeof flagged === 'boolean') return flagged;
  if ((error as { name?: unknown }).name === 'TimeoutError') return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error ? isRetryable(cause) : false;
}

/** The server-requested delay before the next attempt, when the error carries one. */
export function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const ms = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** An error's message with its causes, for logs and dead letters. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = error.message || error.name;
  let cause = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 4; depth++) {
    if (!text.includes(cause.message)) text += `: ${cause.message}`;
    cause = cause.cause;
  }
  return text;
}
