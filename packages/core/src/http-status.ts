/**
 * HTTP status classification shared by every connector that speaks HTTP,
 * so they agree on what core retries.
 */

/** Whether a status is a success (2xx). */
export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * Whether a status is worth retrying: 408 (timeout), 429 (rate limit) and
 * every 5xx. Any other 4xx is a refusal that a retry would only repeat.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Parses a `Retry-After` header (delay in seconds, or an HTTP-date) into
 * milliseconds from `now`; a date in the past is 0. Returns undefined when
 * absent or unparseable.
 *
 * @example
 * parseRetryAfter('120'); // 120000
 * parseRetryAfter(response.headers['retry-after']);
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, now: number = Date.now()): number | undefined {
  const text = (typeof value === 'string' ? value : value?.[0])?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP-date names its day and month; V8 would otherwise read "-5" as a year.
  const at = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
