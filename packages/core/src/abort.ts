/**
 * Settles with `promise`, or rejects as soon as `signal` aborts, so an
 * operation that ignores cancellation (a driver call, an upload) cannot
 * outlive its run. `reason` maps the signal's reason to the error thrown.
 *
 * @example
 * await abortable(client.exec(), signal, (reason) => new ConnectorError('run cancelled', { cause: reason }));
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal, reason: (cause: unknown) => unknown = (cause) => cause): Promise<T> {
  // The abandoned promise may still reject later; that must not become an unhandled rejection.
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(reason(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(reason(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
