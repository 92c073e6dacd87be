import { describeError, isRetryable } from '../errors.js';
import type { DataRecord, Exporter, ExportRun, ExportSession, RejectedRecord, Settings, WriteResult } from '../types.js';
import type { DeadLetterStore } from './dead-letter.js';
import { backoffDelay, sleep, withRetry, withTimeout } from './retry.js';
import { Spool } from './spool.js';
import type { TargetSummary } from './summary.js';

export interface RouteContext {
  readonly exporter: Exporter;
  readonly run: ExportRun;
  readonly settings: Settings;
  readonly deadLetters: DeadLetterStore;
  readonly stats: TargetSummary;
  /** Aborts only on a forced stop: a graceful stop still delivers what was read. */
  readonly signal: AbortSignal;
}

/**
 * Delivery of one rule's matches from one datasource to one target in one
 * run. Owns the export session, its retries, and the dead letters of what
 * could not be delivered; every record handed to `deliver` ends up counted
 * as exported or dead-lettered.
 */
export class Route {
  private session: Promise<ExportSession> | undefined;
  private readonly spool: Spool | undefined;
  /** Session delivery: the error that broke the current attempt. */
  private broken: unknown;
  /** Session delivery: records the current attempt's writes refused. */
  private refused: RejectedRecord[] = [];

  constructor(private readonly ctx: RouteContext) {
    this.spool = ctx.exporter.delivery === 'session' ? new Spool() : undefined;
  }

  /** How many of this route's deliveries may be in progress at once: session delivery keeps its spool in order. */
  get maxInFlight(): number {
    const wanted = this.ctx.exporter.maxInFlight ?? 1;
    return this.spool || !Number.isInteger(wanted) || wanted < 1 ? 1 : wanted;
  }

  private get label(): string {
    const { run } = this.ctx;
    return `export_targets.${run.target} (rule ${run.rule}, datasource ${run.datasource})`;
  }

  private call<T>(what: string, operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withTimeout(operation, this.ctx.settings.timeout, this.ctx.signal, `${this.label}: ${what}`);
  }

  private retried<T>(what: string, operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withRetry(() => this.call(what, operation), this.ctx.settings.retry, {
      signal: this.ctx.signal,
      onRetry: (error, retry, delay) =>
        this.ctx.run.logger.warn({ err: describeError(error), retry, delay_ms: Math.round(delay) }, `${this.label}: ${what} failed, retrying`),
    });
  }

  private openSession(): Promise<ExportSession> {
    this.session ??= this.retried('open', () => this.ctx.exporter.open(this.ctx.run)).catch((error: unknown) => {
      this.session = undefined;
      throw error;
    });
    return this.session;
  }

  async deliver(records: readonly DataRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.ctx.stats.routed += records.length;
    if (this.spool) return this.deliverToSession(records);
    try {
      const session = await this.openSession();
      const result = this.ctx.exporter.retriesRequests
        ? await session.write(records, this.ctx.signal)
        : await this.retried('write', (signal) => session.write(records, signal));
      const rejected = result?.rejected ?? [];
      this.ctx.stats.exported += records.length - rejected.length;
      await this.deadLetter(rejected);
    } catch (error) {
      this.ctx.run.logger.error({ err: describeError(error), records: records.length }, `${this.label}: batch dead-lettered`);
      await this.deadLetter(records.map((record) => ({ record, error: asError(error) })));
    }
  }

  private async deliverToSession(records: readonly DataRecord[]): Promise<void> {
    const spool = this.spool!;
    if (this.broken !== undefined) return spool.append(records);
    // Spooled after the write, so the spool can keep text the session already encoded.
    let result: WriteResult | void;
    try {
      const session = await this.openSession();
      result = await this.call('write', (signal) => session.write(records, signal));
    } catch (error) {
      try {
        await spool.append(records);
      } finally {
        await this.breakSession(error);
      }
      return;
    }
    // Bytes the session already encoded stand for the records, unless some were refused.
    await spool.append(records, result?.rejected?.length ? undefined : result?.encoded);
    this.collect(result);
  }

  private collect(result: WriteResult | void): void {
    if (result?.rejected?.length) this.refused.push(...result.rejected);
  }

  private async breakSession(error: unknown): Promise<void> {
    this.broken = error;
    this.ctx.run.logger.warn({ err: describeError(error) }, `${this.label}: session failed`);
    const session = await this.session?.catch(() => undefined);
    this.session = undefined;
    await session?.abort?.(asError(error)).catch(() => undefined);
  }

  /** Finalises the session; for session delivery, replays the spool on retryable failures. */
  async finish(): Promise<void> {
    if (!this.spool) return this.finishBatches();
    const spool = this.spool;
    const { retry } = this.ctx.settings;
    try {
      for (let attempt = 1; ; attempt++) {
        if (this.broken === undefined) {
          try {
            const session = await this.openSession();
            this.collect(await this.call('end', (signal) => session.end(signal)));
            this.ctx.stats.exported += spool.count - this.refused.length;
            await this.deadLetter(this.refused);
            return;
          } catch (error) {
            await this.breakSession(error);
          }
        }
        if (attempt >= retry.attempts || this.ctx.signal.aborted || !isRetryable(this.broken)) break;
        const delay = backoffDelay(attempt, retry, this.broken);
        this.ctx.run.logger.warn({ err: describeError(this.broken), retry: attempt, delay_ms: Math.round(delay) }, `${this.label}: writing the object again`);
        await sleep(delay, this.ctx.signal);
        await this.replay();
      }
      this.ctx.run.logger.error({ err: describeError(this.broken), records: spool.count }, `${this.label}: object failed, records dead-lettered`);
      const error = asError(this.broken);
      for await (const batch of spool.replay(this.ctx.settings.batchSize)) {
        await this.deadLetter(batch.map((record) => ({ record, error })));
      }
    } finally {
      await spool.discard();
    }
  }

  private async replay(): Promise<void> {
    this.broken = undefined;
    this.refused = [];
    try {
      const session = await this.openSession();
      for await (const batch of this.spool!.replay(this.ctx.settings.batchSize)) {
        this.collect(await this.call('write', (signal) => session.write(batch, signal)));
      }
    } catch (error) {
      await this.breakSession(error);
    }
  }

  private async finishBatches(): Promise<void> {
    // Never opened (nothing matched) or could not open (its batches are dead-lettered already): nothing to flush.
    if (this.session === undefined) return;
    try {
      const session = await this.session;
      const result = await this.retried('end', (signal) => session.end(signal));
      const rejected = result?.rejected ?? [];
      this.ctx.stats.exported -= rejected.length;
      await this.deadLetter(rejected);
    } catch (error) {
      // Batch delivery: every write already resolved as durable; a failing end() loses nothing.
      this.ctx.run.logger.warn({ err: describeError(error) }, `${this.label}: closing the session failed`);
    }
  }

  private async deadLetter(rejected: readonly RejectedRecord[]): Promise<void> {
    if (rejected.length === 0) return;
    const { run } = this.ctx;
    this.ctx.stats.deadLettered += rejected.length;
    await this.ctx.deadLetters.write(
      rejected.map(({ record, error }) => ({
        stage: 'export' as const,
        datasource: run.datasource,
        rule: run.rule,
        target: run.target,
        error: describeError(error),
        record,
      })),
    );
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
