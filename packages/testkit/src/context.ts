import type { ExportRun, ReadContext } from '@sluice/core';
import { memoryLogger, type MemoryLogger } from './logger.js';
import { uniqueName } from './names.js';

/** An input a source reported through `ctx.reject`. */
export interface RejectedInput {
  readonly input: unknown;
  readonly error: Error;
  readonly location?: string;
}

/** A {@link ReadContext} whose side effects tests can inspect and whose signal they control. */
export interface TestReadContext extends ReadContext {
  readonly logger: MemoryLogger;
  /** Everything passed to `reject()`, in order. */
  readonly rejected: RejectedInput[];
  /** Sum of every `skipped(count)`. */
  readonly skippedCount: number;
  readonly controller: AbortController;
  /** Aborts `signal` (with an `AbortError` DOMException unless a reason is given). */
  abort(reason?: unknown): void;
}

/** An {@link ExportRun} whose signal tests control. */
export interface TestExportRun extends ExportRun {
  readonly logger: MemoryLogger;
  readonly controller: AbortController;
  abort(reason?: unknown): void;
}

export type ReadContextInit = Partial<Omit<ReadContext, 'reject' | 'skipped' | 'logger'>> & { readonly logger?: MemoryLogger };
export type ExportRunInit = Partial<Omit<ExportRun, 'logger'>> & { readonly logger?: MemoryLogger };

/**
 * A ReadContext for calling `source.read(ctx)` directly: batch size 100,
 * a fresh run id, a collecting logger; a given `signal` is combined with
 * the context's own controller.
 *
 * @example
 * const ctx = makeReadContext({ batchSize: 2 });
 * for await (const batch of source.read(ctx)) { ... }
 * expect(ctx.rejected).toHaveLength(1);
 */
export function makeReadContext(init: ReadContextInit = {}): TestReadContext {
  const controller = new AbortController();
  const signal = init.signal ? AbortSignal.any([controller.signal, init.signal]) : controller.signal;
  const rejected: RejectedInput[] = [];
  let skippedCount = 0;
  return {
    batchSize: 100,
    runId: uniqueName('run'),
    runStartedAt: new Date(),
    ...init,
    logger: init.logger ?? memoryLogger(),
    signal,
    controller,
    rejected,
    get skippedCount() {
      return skippedCount;
    },
    reject(input, error, location) {
      rejected.push(location === undefined ? { input, error } : { input, error, location });
    },
    skipped(count) {
      skippedCount += count;
    },
    abort: (reason) => controller.abort(reason ?? abortError()),
  };
}

/**
 * An ExportRun for calling `exporter.open(run)` directly: rule
 * `conformance_rule`, datasource `conformance_source`, target
 * `conformance_target`, a fresh run id, started now.
 *
 * @example
 * const run = makeExportRun({ rule: 'high_value' });
 * const session = await exporter.open(run);
 */
export function makeExportRun(init: ExportRunInit = {}): TestExportRun {
  const controller = new AbortController();
  const signal = init.signal ? AbortSignal.any([controller.signal, init.signal]) : controller.signal;
  return {
    runId: uniqueName('run'),
    runStartedAt: new Date(),
    rule: 'conformance_rule',
    datasource: 'conformance_source',
    target: 'conformance_target',
    ...init,
    logger: init.logger ?? memoryLogger(),
    signal,
    controller,
    abort: (reason) => controller.abort(reason ?? abortError()),
  };
}

/** The error `fetch` and Node streams use for cancellation. */
export function abortError(message = 'This operation was aborted'): Error {
  return new DOMException(message, 'AbortError');
}
