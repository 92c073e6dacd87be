import { ConnectorError, describeError, isRetryable } from '@sluice/core';

interface S3ErrorShape {
  readonly name?: string;
  readonly Code?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $response?: { readonly headers?: Record<string, string | undefined> };
}

const DENIED = new Set(['AccessDenied', 'Forbidden', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'AllAccessDisabled']);
const MISSING_BUCKET = new Set(['NoSuchBucket']);
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'RequestTimeout', 'RequestTimeTooSkewed', 'InternalError', 'ServiceUnavailable']);

const statusOf = (error: S3ErrorShape): number | undefined => error.$metadata?.httpStatusCode;
const codeOf = (error: S3ErrorShape): string | undefined => error.Code ?? error.name;

function retryAfterMs(error: S3ErrorShape): number | undefined {
  const header = error.$response?.headers?.['retry-after'];
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Turns an AWS SDK (or network) error into a classified {@link ConnectorError}:
 * a missing bucket and denied access are permanent; throttling, 5xx and
 * connection failures are retryable.
 */
export function toConnectorError(error: unknown, where: string, bucket: string, action: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as S3ErrorShape;
  const code = codeOf(shape);
  const status = statusOf(shape);
  if ((code !== undefined && MISSING_BUCKET.has(code)) || (action === 'check' && status === 404)) {
    return new ConnectorError(`bucket "${bucket}" does not exist`, { where, retryable: false, cause: error });
  }
  if ((code !== undefined && DENIED.has(code)) || status === 403) {
    return new ConnectorError(`access to bucket "${bucket}" denied (${code ?? status}): check credentials and permissions`, { where, retryable: false, cause: error });
  }
  const retryable =
    (code !== undefined && THROTTLED.has(code)) ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    shape.$retryable !== undefined ||
    (status === undefined && isRetryable(error));
  const after = retryAfterMs(shape);
  return new ConnectorError(`${action} failed: ${describeError(error)}`, {
    where,
    retryable,
    ...(after !== undefined ? { retryAfterMs: after } : {}),
    cause: error,
  });
}
