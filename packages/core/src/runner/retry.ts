import { isRetryable, retryAfterOf } from '../errors.js';
import type { RetrySettings } from '../types.js';

/** The longest server-requested delay honoured before giving up on waiting. */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Exponential backoff with "equal jitter": the n-th retry waits between half
 * and all of `initialDelay * 2^(n-1)`, capped by `maxDelay`; a server's
 * Retry-After raises the wait (up to 10 minutes).
 */
export function backoffDelay(retry: number, policy: RetrySettings, error?: unknown, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelay, policy.initialDelay * 2 ** Math.max(0, retry - 1));
  const delay = ceiling / 2 + (random() * ceiling) / 2;
  const requested = retryAfterOf(error);
  return requested === undefined ? delay : Math.max(delay, Math.min(requested, MAX_RETRY_AFTER_MS));
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions {
  readonly signal: AbortSignal;
  /** Called before each wait, e.g. to log. */
  readonly onRetry?: (error: unknown, retry: number, delayMs: number) => void;
}

/**
 * Runs `operation` until it succeeds, fails with a non-retryable error, or
 * uses up `policy.attempts`. Connectors classify; this decides.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, policy: RetrySettings, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || options.signal.aborted || !isRetryable(error)) throw error;
      const delay = backoffDelay(attempt, policy, error);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}

/**
 * Runs `operation` with a signal that aborts after `ms` or when `parent`
 * aborts, and settles no later than that even if the operation ignores its
 * signal. A timeout rejects with a retryable `TimeoutError`.
 */
export async function withTimeout<T>(operation: (signal: AbortSignal) => Promise<T>, ms: number, parent: AbortSignal, what: string): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onParentAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onParentAbort, { once: true });
  const deadline = new Promise<never>((_, reject) => {
    const fail = (): void => reject(controller.signal.reason);
    if (controller.signal.aborted) return fail();
    controller.signal.addEventListener('abort', fail, { once: true });
    if (ms > 0 && Number.isFinite(ms)) {
      timer = setTimeout(() => {
        const error = new Error(`${what} timed out after ${ms} ms`);
        error.name = 'TimeoutError';
        controller.abort(error);
      }, ms);
    }
  });
  deadline.catch(() => undefined);
  try {
    return await Promise.race([operation(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', onParentAbort);
  }
}
