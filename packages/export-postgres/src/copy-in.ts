import type { PgSubmittable } from '@sluice/pg-common';
import { CopyTextBuilder } from './encode.js';

/** CopyDone: 'c' and the length 4. */
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);

/** The part of node-postgres' Connection a COPY writes through. */
interface PgConnection {
  readonly stream: { write(chunk: Buffer): boolean };
  query(text: string): void;
}

/** A CopyFail message carrying `reason`. */
function copyFail(reason: string): Buffer {
  const text = Buffer.from(`${reason.replace(/\0/g, ' ')}\0`, 'utf8');
  const message = Buffer.allocUnsafe(5 + text.length);
  message[0] = 0x66; // f
  message.writeUInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}

/**
 * A `COPY … FROM STDIN` submitted to a pg client that sends the statement,
 * the data and CopyDone at once, without waiting for the server's
 * CopyInResponse (one round trip less per batch), and streams the data as
 * it is encoded: the server parses the first 64 KiB while the rest is
 * encoded. Everything is written within `submit`, so nothing of this COPY
 * can follow a later statement on the connection.
 *
 * This is what the protocol allows: a COPY that fails before or during
 * copy-in answers ErrorResponse and ReadyForQuery, and the server drops
 * the CopyData and CopyDone that follow. If encoding throws midway, the
 * COPY is cancelled with CopyFail and the query fails with that error.
 */
export class CopyIn implements PgSubmittable {
  readonly #text: string;
  readonly #encode: (out: CopyTextBuilder) => void;
  readonly #resolve: () => void;
  readonly #reject: (error: unknown) => void;
  #encodeError: { error: unknown } | undefined;
  #settled = false;

  constructor(text: string, encode: (out: CopyTextBuilder) => void, resolve: () => void, reject: (error: unknown) => void) {
    this.#text = text;
    this.#encode = encode;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  submit(connection: unknown): void {
    const conn = connection as PgConnection;
    const socket = conn.stream;
    conn.query(this.#text);
    try {
      const out = new CopyTextBuilder(0, (chunk) => socket.write(chunk));
      this.#encode(out);
      out.end();
      socket.write(COPY_DONE);
    } catch (error) {
      this.#encodeError = { error };
      socket.write(copyFail(`sluice could not encode the batch: ${(error as Error)?.message ?? String(error)}`));
    }
  }

  /** pg replaces this to clear its `query_timeout` timer, if one is set; called once the query is over. */
  callback(): void {}

  handleCopyInResponse(): void {}

  handleCommandComplete(): void {}

  handleError(error: unknown): void {
    this.#settle(this.#encodeError ? this.#encodeError.error : error);
  }

  handleReadyForQuery(): void {
    this.#settle(this.#encodeError?.error);
  }

  #settle(error: unknown): void {
    this.callback();
    if (this.#settled) return;
    this.#settled = true;
    if (error === undefined && !this.#encodeError) this.#resolve();
    else this.#reject(error);
  }
}
