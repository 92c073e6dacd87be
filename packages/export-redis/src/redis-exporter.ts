import {
  abortable,
  compileTemplate,
  ConnectorError,
  runPlaceholders,
  type CompiledTemplate,
  type ConnectorDeps,
  type DataRecord,
  type Exporter,
  type ExportRun,
  type ExportSession,
  type RejectedRecord,
  type WriteResult,
} from '@sluice/core';
import { createClient, describeEndpoint } from './client.js';
import { commandBuilder, fieldOf, type CommandBuilder, type CommandWords } from './encode.js';
import { classifyRedisError } from './errors.js';
import { runChunk } from './script.js';
import type { RedisClientLike, RedisExporterOptions } from './types.js';

/**
 * Writes matched records to Redis as hashes, list entries, strings, set
 * members or stream entries. Each write is durable when it resolves
 * (`batch` delivery). One client is kept for the exporter's lifetime.
 */
export class RedisExporter implements Exporter {
  readonly delivery = 'batch' as const;
  readonly template: CompiledTemplate;
  readonly build: CommandBuilder;
  readonly endpoint: string;
  private client: RedisClientLike | undefined;

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
    this.client = deps.client as RedisClientLike | undefined;
    const perRecord = this.template.placeholders.some((name) => !RUN_PLACEHOLDERS.has(name));
    if (!perRecord && (options.data_type === 'hash' || options.data_type === 'string')) {
      deps.logger.warn(
        `${deps.path}: key_template "${options.key_template}" names no record field, so every ${options.data_type} of a run overwrites the same key`,
      );
    }
  }

  /** The client, created on first use and kept across runs. */
  redis(): RedisClientLike {
    this.client ??= createClient(this.options, (error) =>
      this.deps.logger.debug({ err: error.message }, `${this.deps.path}: redis ${this.endpoint} connection error`),
    );
    return this.client;
  }

  async open(run: ExportRun): Promise<ExportSession> {
    run.signal.throwIfAborted();
    return new RedisSession(this, run);
  }

  async check(signal: AbortSignal): Promise<void> {
    try {
      await abortable(this.redis().call('PING'), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      throw classifyRedisError(error, this.deps.path, this.endpoint, 'PING');
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    // An injected client belongs to whoever injected it.
    if (client === undefined || client === this.deps.client) return;
    this.client = undefined;
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

interface Chunk {
  readonly records: DataRecord[];
  readonly keys: string[];
  readonly commands: CommandWords[][];
}

class RedisSession implements ExportSession {
  private readonly run: Map<string, string>;
  private current: DataRecord = {};
  private readonly lookup = (name: string): unknown => this.run.get(name) ?? fieldOf(this.current, name);
  /**
   * Records of this session already durable in a list or stream: when core
   * retries a batch after a connection loss, they are not pushed twice.
   * (Hashes, strings and sets are idempotent and need no such memory.)
   */
  private readonly written: WeakSet<DataRecord> | undefined;

  constructor(
    private readonly exporter: RedisExporter,
    run: ExportRun,
  ) {
    this.run = runPlaceholders(run);
    const type = exporter.options.data_type;
    this.written = type === 'list' || type === 'stream' ? new WeakSet() : undefined;
  }

  async write(batch: readonly DataRecord[], signal: AbortSignal): Promise<WriteResult> {
    signal.throwIfAborted();
    const rejected: RejectedRecord[] = [];
    const sending = this.sendChunks(batch, rejected, signal);
    await abortable(sending, signal);
    return rejected.length > 0 ? { rejected } : {};
  }

  /**
   * Encodes the batch chunk by chunk and sends each chunk as soon as it is
   * full, with up to `max_in_flight` awaiting replies, so encoding overlaps
   * the server's work. Throws the first failure once every sent chunk settled.
   */
  private async sendChunks(batch: readonly DataRecord[], rejected: RejectedRecord[], signal: AbortSignal): Promise<void> {
    const { options, deps } = this.exporter;
    const client = this.exporter.redis();
    const pending: Promise<void>[] = [];
    let failure: unknown;
    const dispatch = async (chunk: Chunk): Promise<void> => {
      pending.push(
        this.sendChunk(client, chunk).then(
          (failures) => this.settle(chunk, failures, rejected),
          (error: unknown) => void (failure ??= error),
        ),
      );
      if (pending.length >= options.max_in_flight) await pending.shift();
    };

    let chunk: Chunk = { records: [], keys: [], commands: [] };
    for (const record of batch) {
      if (failure !== undefined || signal.aborted) break;
      if (this.written?.has(record)) continue;
      this.current = record;
      const key = this.exporter.template.render(this.lookup);
      const commands = key === undefined ? this.missingPlaceholder(record) : this.exporter.build(key, record);
      if (typeof commands === 'string') {
        rejected.push({ record, error: new ConnectorError(commands, { where: deps.path }) });
        continue;
      }
      chunk.records.push(record);
      chunk.keys.push(key!);
      chunk.commands.push(commands);
      if (chunk.records.length >= options.batch_size) {
        await dispatch(chunk);
        chunk = { records: [], keys: [], commands: [] };
      }
    }
    this.current = {};
    if (chunk.records.length > 0 && failure === undefined && !signal.aborted) await dispatch(chunk);
    await Promise.all(pending);
    if (failure !== undefined) throw classifyRedisError(failure, deps.path, this.exporter.endpoint, 'write');
  }

  private sendChunk(client: RedisClientLike, chunk: Chunk): Promise<Map<number, string>> {
    return client.isCluster ? this.sendPerKey(client, chunk) : runChunk(client, JSON.stringify(chunk.commands));
  }

  /** Cluster: keys of a chunk live on different nodes, so each record is its own (auto-pipelined) call. */
  private async sendPerKey(client: RedisClientLike, chunk: Chunk): Promise<Map<number, string>> {
    const replies = await Promise.all(chunk.commands.map((commands, i) => runChunk(client, JSON.stringify([commands]), chunk.keys[i])));
    const failures = new Map<number, string>();
    replies.forEach((reply, i) => {
      const message = reply.get(1);
      if (message !== undefined) failures.set(i + 1, message);
    });
    return failures;
  }

  private settle(chunk: Chunk, failures: Map<number, string>, rejected: RejectedRecord[]): void {
    const where = this.exporter.deps.path;
    for (const [index, message] of failures) {
      const record = chunk.records[index - 1];
      if (record === undefined) continue;
      rejected.push({ record, error: new ConnectorError(`key "${chunk.keys[index - 1]}": ${message}`, { where }) });
    }
    if (this.written) for (const record of chunk.records) this.written.add(record);
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
