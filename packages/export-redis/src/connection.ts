import { abortable, ConnectorError } from '@sluice/core';
import { classifyRedisError } from './errors.js';
import type { RedisClientLike } from './types.js';

/** What the connection needs to know about its target, for messages and behaviour. */
export interface ConnectionContext {
  readonly where: string;
  readonly endpoint: string;
  /** The database the client selects; checked after each connect (undefined: not checked). */
  readonly db: number | undefined;
  /** Whether the exporter created the client and may therefore disconnect it. */
  readonly owned: boolean;
}

/**
 * The gate every call of the exporter goes through. It connects the client
 * when it is not connected, so each attempt of a write or check gets the real
 * cause of a failure (ECONNREFUSED, ENOTFOUND) at once; it checks that the
 * configured database exists, since ioredis only logs a failed SELECT and
 * would write to database 0; and it times calls out by closing the
 * connection, so a call that took too long either was applied already or
 * never will be, and sending it again cannot overlap the first attempt.
 */
export class RedisConnection {
  private connecting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** The last error the client emitted: the cause behind ioredis' "Connection is closed.". */
  lastError: Error | undefined;

  constructor(
    readonly client: RedisClientLike,
    private readonly ctx: ConnectionContext,
  ) {}

  /** The client, connected (unless an injected client manages its connection itself). */
  async ready(): Promise<RedisClientLike> {
    await this.closing;
    const status = this.client.status;
    if (this.client.connect && (status === 'wait' || status === 'end')) {
      this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    }
    await this.connecting;
    return this.client;
  }

  private async open(): Promise<void> {
    this.lastError = undefined;
    try {
      await this.client.connect!();
    } catch (error) {
      throw this.lastError ?? error;
    }
    const db = this.ctx.db;
    if (db === undefined || db === 0) return;
    try {
      // ioredis sent SELECT already but only emits its failure; this one is answered to us.
      await this.client.call('SELECT', String(db));
    } catch (error) {
      this.client.disconnect();
      const message = error instanceof Error ? error.message : String(error);
      if (/out of range|invalid DB index/i.test(message)) {
        throw new ConnectorError(`database ${db} does not exist on redis ${this.ctx.endpoint} (${message}); nothing is written to another database`, {
          where: this.ctx.where,
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * Runs `call` on the ready client within `ms`. On a timeout an owned client
   * is disconnected (its calls in flight then fail like a lost connection)
   * and the error is retryable; an injected client is left alone, so the
   * call may still apply later, and the error is retryable only when sending
   * the call twice is harmless (`idempotent`).
   */
  async run<T>(call: (client: RedisClientLike) => Promise<T>, ms: number, signal: AbortSignal, idempotent: boolean): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    // 0 (or no finite value) is no limit, as for every other timeout of a run (core's withTimeout).
    const limited = ms > 0 && Number.isFinite(ms);
    const deadline = new Promise<never>((_, reject) => {
      if (!limited) return;
      timer = setTimeout(() => {
        timedOut = true;
        reject(new Error('timeout'));
      }, ms);
    });
    try {
      return await abortable(Promise.race([this.ready().then(call), deadline]), signal);
    } catch (error) {
      if (!timedOut) throw error;
      if (this.ctx.owned) {
        this.abandon();
        throw new ConnectorError(
          `no reply from redis ${this.ctx.endpoint} within ${ms} ms (settings.timeout); the connection was closed, so the call either was applied already or never will be`,
          { where: this.ctx.where, retryable: true },
        );
      }
      throw new ConnectorError(`no reply from redis ${this.ctx.endpoint} within ${ms} ms (settings.timeout); the call may still be applied`, {
        where: this.ctx.where,
        retryable: idempotent,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connection; the next `ready()` waits for the close to complete, then connects again. */
  private abandon(): void {
    const client = this.client;
    if (client.status === 'end' || client.status === 'wait') return;
    this.closing ??= new Promise<void>((resolve) => {
      // Never wait forever on a client that does not report its end.
      const fallback = setTimeout(resolve, 1000);
      client.once?.('end', () => {
        clearTimeout(fallback);
        resolve();
      });
    }).finally(() => (this.closing = undefined));
    client.disconnect();
  }

  /** Classifies a failed call, naming the connection's real cause. */
  classify(error: unknown, what: string): ConnectorError {
    return classifyRedisError(error, this.ctx.where, this.ctx.endpoint, what, this.lastError);
  }
}
