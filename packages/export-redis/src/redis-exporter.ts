import {
  compileTemplate,
  ConnectorError,
  describeError,
  runPlaceholders,
  withRetry,
  type CompiledTemplate,
  type ConnectorDeps,
  type DataRecord,
  type Exporter,
  type ExportRun,
  type ExportSession,
  type RejectedRecord,
  type WriteResult,
} from '@sluice/core';
import { createClient, describeEndpoint, selectedDb } from './client.js';
import { RedisConnection } from './connection.js';
import { commandBuilder, fieldOf, type CommandBuilder, type CommandWords } from './encode.js';
import { isTransientReply } from './errors.js';
import { runChunk, type CommandFailure } from './script.js';
import type { RedisClientLike, RedisExporterOptions } from './types.js';

/**
 * Writes matched records to Redis as hashes, list entries, strings, set
 * members or stream entries. Each write is durable when it resolves
 * (`batch` delivery). One client is kept for the exporter's lifetime.
 */
export class RedisExporter implements Exporter {
  readonly delivery = 'batch' as const;
  /**
   * A batch is sent as several chunks (script calls); each chunk is retried
   * and timed out on its own (see RedisSession), so an acknowledged chunk is
   * never sent again and a refused record is reported on every outcome.
   */
  readonly retriesRequests = true;
  readonly template: CompiledTemplate;
  readonly build: CommandBuilder;
  readonly endpoint: string;
  /** Lists and streams append: sending a record twice stores it twice. */
  readonly idempotent: boolean;
  private current: RedisConnection | undefined;

  constructor(
    readonly options: RedisExporterOptions,
    readonly deps: ConnectorDeps,
  ) {
    try {
      this.template = compileTemplate(options.key_template);
    } catch (error) {
      throw new ConnectorError(`key_template: ${(error as Error).message}`, { where: deps.path });
    }
    this.build = commandBuilder(options);
    this.endpoint = describeEndpoint(options);
    this.idempotent = options.data_type !== 'list' && options.data_type !== 'stream';
    const perRecord = this.template.placeholders.some((name) => !RUN_PLACEHOLDERS.has(name));
    if (!perRecord && (options.data_type === 'hash' || options.data_type === 'string')) {
      deps.logger.warn(
        `${deps.path}: key_template "${options.key_template}" names no record field, so every ${options.data_type} of a run overwrites the same key`,
      );
    }
  }

  /** The connection, with its client created on first use and kept across runs. */
  connection(): RedisConnection {
    if (this.current) return this.current;
    const injected = this.deps.client as RedisClientLike | undefined;
    const client =
      injected ??
      createClient(this.options, (error) => {
        if (this.current) this.current.lastError = error;
        this.deps.logger.debug({ err: error.message }, `${this.deps.path}: redis ${this.endpoint} connection error`);
      });
    this.current = new RedisConnection(client, { where: this.deps.path, endpoint: this.endpoint, db: selectedDb(client), owned: injected === undefined });
    return this.current;
  }

  async open(run: ExportRun): Promise<ExportSession> {
    run.signal.throwIfAborted();
    return new RedisSession(this, run);
  }

  async check(signal: AbortSignal): Promise<void> {
    const connection = this.connection();
    try {
      await connection.run((client) => client.call('PING'), this.deps.settings.timeout, signal, true);
    } catch (error) {
      if (signal.aborted) throw error;
      throw connection.classify(error, 'PING');
    }
  }

  async close(): Promise<void> {
    const client = this.current?.client;
    this.current = undefined;
    // An injected client belongs to whoever injected it.
    if (client === undefined || client === this.deps.client) return;
    try {
      if (client.status === 'wait' || client.status === 'end') client.disconnect();
      else await client.quit();
    } catch {
      client.disconnect();
    }
  }
}

const RUN_PLACEHOLDERS = new Set(
  runPlaceholders({ runId: '', runStartedAt: new Date(0), rule: '', datasource: '', target: '' }).keys(),
);

/** One record ready to send: its key and its commands. */
interface Entry {
  readonly record: DataRecord;
  readonly key: string;
  readonly commands: CommandWords[];
}

/**
 * One run × rule × datasource × target. A write encodes its batch into
 * chunks of `batch_size` records and sends each as soon as it is full, with
 * up to `max_in_flight` awaiting replies, so encoding overlaps the server's
 * work. Each chunk is retried on its own (`settings.retry`) and timed out on
 * its own (`settings.timeout`); a retry sends only the chunk's records that
 * are not settled yet. The write resolves once every chunk is acknowledged
 * or given up on, with the records refused or given up on as `rejected`.
 */
class RedisSession implements ExportSession {
  private readonly run: Map<string, string>;
  private current: DataRecord = {};
  /** Chunks between a failed attempt and their outcome: new chunks wait behind them. */
  private failing = 0;
  private readonly lookup = (name: string): unknown => this.run.get(name) ?? fieldOf(this.current, name);

  constructor(
    private readonly exporter: RedisExporter,
    private readonly exportRun: ExportRun,
  ) {
    this.run = runPlaceholders(exportRun);
  }

  async write(batch: readonly DataRecord[], signal: AbortSignal): Promise<WriteResult> {
    signal.throwIfAborted();
    const { options, deps } = this.exporter;
    const rejected: RejectedRecord[] = [];
    const inFlight: Promise<void>[] = [];
    let chunk: Entry[] = [];
    let previous: Promise<void> = Promise.resolve();
    const dispatch = async (): Promise<void> => {
      previous = this.deliver(chunk, rejected, signal, previous);
      inFlight.push(previous);
      chunk = [];
      if (inFlight.length >= options.max_in_flight) await inFlight.shift();
    };
    for (const record of batch) {
      if (signal.aborted) break;
      this.current = record;
      const key = this.exporter.template.render(this.lookup);
      const commands = key === undefined ? this.missingPlaceholder(record) : this.exporter.build(key, record);
      if (typeof commands === 'string') {
        rejected.push({ record, error: new ConnectorError(commands, { where: deps.path }) });
        continue;
      }
      chunk.push({ record, key: key!, commands });
      if (chunk.length >= options.batch_size) await dispatch();
    }
    this.current = {};
    if (chunk.length > 0 && !signal.aborted) await dispatch();
    await Promise.all(inFlight);
    // A forced stop: the runner dead-letters the whole batch.
    signal.throwIfAborted();
    if (rejected.length > 0) {
      this.exportRun.logger.warn(
        { rejected: rejected.length, err: describeError(rejected[0]!.error) },
        `${deps.path}: ${rejected.length} record(s) not written (refused by redis, or still failing after the retries); they go to the dead-letter store`,
      );
    }
    return rejected.length > 0 ? { rejected } : {};
  }

  /**
   * Sends one chunk until every record is stored, refused, or out of
   * retries. Only records still unsettled are sent again: a record refused
   * for good (WRONGTYPE) is rejected once and never skipped as if written.
   * Never rejects: what could not be stored ends up in `rejected` (on a
   * forced stop the caller throws instead).
   *
   * Chunks keep their order: a retry waits until the previous chunk is
   * settled, and while any chunk is failing a new chunk waits the same way,
   * so an older record never lands after a newer one (a list stays in
   * order, a hash keeps the newest values).
   */
  private async deliver(chunk: Entry[], rejected: RejectedRecord[], signal: AbortSignal, previous: Promise<void>): Promise<void> {
    const { deps, idempotent } = this.exporter;
    const where = deps.path;
    const connection = this.exporter.connection();
    let pending = chunk;
    // The records the last attempt's reply refused for now (OOM), with the refusal.
    let refusedForNow = new Map<Entry, string>();
    let transient: ConnectorError | undefined;
    let failing = false;
    /** This chunk counts once among the chunks failing now, however many attempts fail. */
    const markFailing = (): void => {
      if (failing) return;
      failing = true;
      this.failing++;
    };
    try {
      await withRetry(
        async (attempt) => {
          if (attempt > 1 || this.failing > 0) await previous;
          let failures: Map<number, CommandFailure>;
          try {
            failures = await connection.run((client) => this.send(client, pending), deps.settings.timeout, signal, idempotent);
          } catch (error) {
            if (signal.aborted) throw error;
            markFailing();
            throw connection.classify(error, 'write');
          }
          const again: Entry[] = [];
          refusedForNow = new Map();
          for (const [index, failure] of failures) {
            const entry = pending[index - 1];
            if (entry === undefined) continue;
            // A first command refused for now left nothing behind; a later one only matters where repeating is harmless.
            if (isTransientReply(failure.message) && (failure.step === 1 || idempotent)) {
              again.push(entry);
              refusedForNow.set(entry, failure.message);
            } else {
              rejected.push({ record: entry.record, error: new ConnectorError(`key "${entry.key}": ${failure.message}`, { where }) });
            }
          }
          pending = again;
          if (again.length === 0) return;
          markFailing();
          transient = new ConnectorError(`${again.length} record(s) refused for now: key "${again[0]!.key}": ${refusedForNow.get(again[0]!)}`, {
            where,
            retryable: true,
          });
          throw transient;
        },
        deps.settings.retry,
        {
          signal,
          onRetry: (error, retry, delay) =>
            this.exportRun.logger.warn(
              { err: describeError(error), retry, delay_ms: Math.round(delay), records: pending.length },
              `${where}: write failed, retrying`,
            ),
        },
      );
    } catch (error) {
      if (signal.aborted) return;
      for (const entry of pending) {
        const reason = error === transient ? refusedForNow.get(entry) : undefined;
        rejected.push({
          record: entry.record,
          error: reason === undefined ? (error as Error) : new ConnectorError(`key "${entry.key}": ${reason}`, { where }),
        });
      }
    } finally {
      if (failing) this.failing--;
    }
  }

  private send(client: RedisClientLike, entries: readonly Entry[]): Promise<Map<number, CommandFailure>> {
    return client.isCluster ? this.sendPerKey(client, entries) : runChunk(client, JSON.stringify(entries.map((entry) => entry.commands)));
  }

  /** Cluster: keys of a chunk live on different nodes, so each record is its own (auto-pipelined) call. */
  private async sendPerKey(client: RedisClientLike, entries: readonly Entry[]): Promise<Map<number, CommandFailure>> {
    const replies = await Promise.all(entries.map((entry) => runChunk(client, JSON.stringify([entry.commands]), entry.key)));
    const failures = new Map<number, CommandFailure>();
    replies.forEach((reply, i) => {
      const failure = reply.get(1);
      if (failure !== undefined) failures.set(i + 1, failure);
    });
    return failures;
  }

  private missingPlaceholder(record: DataRecord): string {
    const template = this.exporter.template;
    const missing = template.placeholders.find((name) => {
      const value = this.run.get(name) ?? fieldOf(record, name);
      return value === undefined || value === null || (typeof value === 'object' && !(value instanceof Date));
    });
    return `key_template "${template.source}": field "${missing ?? '?'}" is missing, null or not a scalar`;
  }

  async end(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
  }
}
