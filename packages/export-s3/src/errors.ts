import { STATUS_CODES } from 'node:http';
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

/**
 * Whether the SDK had an error body to read. HEAD requests (HeadBucket) never
 * carry one: the SDK then names the error `Unknown` (or `NotFound`) with the
 * message `UnknownError`, which says nothing, so the HTTP status has to.
 */
const hasBody = (error: S3ErrorShape): boolean => (error as { message?: unknown }).message !== 'UnknownError';

const codeOf = (error: S3ErrorShape): string | undefined => (hasBody(error) ? (error.Code ?? error.name) : undefined);

/** What a status means for a request on a bucket, when the response said nothing else. */
function statusText(status: number, bucket: string, error: S3ErrorShape): string {
  if (status === 301 || status === 307) {
    const region = error.$response?.headers?.['x-amz-bucket-region'];
    return region
      ? `bucket "${bucket}" is in region ${region}, not the configured one (HTTP ${status}): set region: ${region}`
      : `bucket "${bucket}" is in another region than the configured one (HTTP ${status}): set region to the bucket's`;
  }
  if (status === 400) return `the request was refused (HTTP 400 Bad Request, no details): check region and endpoint`;
  return `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`;
}

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
  // Without a body the SDK's error adds only "UnknownError" to the message: leave it out.
  const cause = status === undefined || hasBody(shape) ? { cause: error } : {};
  if ((code !== undefined && MISSING_BUCKET.has(code)) || (action === 'check' && status === 404)) {
    return new ConnectorError(`bucket "${bucket}" does not exist`, { where, retryable: false, ...cause });
  }
  if ((code !== undefined && DENIED.has(code)) || status === 403) {
    return new ConnectorError(`access to bucket "${bucket}" denied (${code ?? `HTTP ${status}`}): check credentials and permissions`, { where, retryable: false, ...cause });
  }
  const retryable =
    (code !== undefined && THROTTLED.has(code)) ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    shape.$retryable !== undefined ||
    (status === undefined && isRetryable(error));
  const after = retryAfterMs(shape);
  const reason = status !== undefined && !hasBody(shape) ? statusText(status, bucket, shape) : describeError(error);
  return new ConnectorError(`${action} failed: ${reason}`, {
    where,
    retryable,
    ...(after !== undefined ? { retryAfterMs: after } : {}),
    ...cause,
  });
}
