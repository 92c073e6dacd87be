import type { PgSubmittable } from '@sluice/pg-common';

/** Backend message types seen while a `COPY … TO STDOUT` streams. */
const COPY_DATA = 0x64; // d
const COPY_DONE = 0x63; // c
const COPY_OUT_RESPONSE = 0x48; // H
const PARAMETER_STATUS = 0x53; // S
const NOTICE = 0x4e; // N
const NOTIFICATION = 0x41; // A

/** The part of node-postgres' Connection a COPY reads through: its socket (plain or TLS) and the simple query. */
interface PgConnection {
  readonly stream: {
    read(): Buffer | null;
    listeners(event: 'data'): ((chunk: Buffer) => void)[];
    on(event: 'data' | 'readable', listener: (chunk: Buffer) => void): unknown;
    removeListener(event: 'data' | 'readable', listener: (chunk: Buffer) => void): unknown;
    pause(): unknown;
    resume(): unknown;
    destroy(): void;
  };
  query(text: string): void;
}

/**
 * A `COPY … TO STDOUT` submitted to a pg client that reads the socket
 * itself while the COPY streams, the way pg-copy-streams does, but
 * without a stream in between: CopyData payloads (one per row) are copied
 * into one growing buffer, with no Buffer object per message. Any other
 * message than the COPY's own (an error, or what follows CopyDone) is
 * handed back to pg's parser, which then reports the query's end through
 * `handleError` / `handleReadyForQuery`.
 *
 * Reading stops once `readAhead` bytes are waiting to be taken, so TCP
 * holds the server back while the consumer is busy.
 */
export class CopyOut implements PgSubmittable {
  readonly #text: string;
  readonly #readAhead: number;
  /** Called whenever data arrives, the COPY ends or fails. */
  readonly #notify: () => void;
  #connection: PgConnection | undefined;
  #pgData: ((chunk: Buffer) => void) | undefined;
  readonly #onReadable = (): void => this.#pump();
  /** Payload bytes received and not yet taken: `#data[#start, #end)`. */
  #data: Buffer;
  #start = 0;
  #end = 0;
  /** The current message's type and how many of its bytes are still to come. */
  #code = 0;
  #remaining = 0;
  /** A message header cut by a chunk boundary. */
  #partial: Buffer | undefined;
  #attached = false;
  #pumping = false;
  /** The server sent CopyDone: every row is in. */
  copyDone = false;
  /** pg saw ReadyForQuery: the connection is free again. */
  finished = false;
  failure: Error | undefined;

  constructor(text: string, readAhead: number, notify: () => void) {
    this.#text = text;
    this.#readAhead = readAhead;
    this.#notify = notify;
    this.#data = Buffer.allocUnsafe(64 * 1024);
  }

  /** Called by pg when the query reaches the connection. */
  submit(connection: unknown): Error | undefined {
    const conn = connection as PgConnection;
    const socket = conn.stream;
    const listeners = socket.listeners('data');
    if (listeners.length !== 1) return new Error(`COPY: the connection has ${listeners.length} data listeners, expected pg's parser alone`);
    this.#connection = conn;
    this.#pgData = listeners[0];
    socket.removeListener('data', this.#pgData!);
    socket.pause();
    socket.on('readable', this.#onReadable);
    this.#attached = true;
    conn.query(this.#text);
    return undefined;
  }

  /** Bytes waiting to be taken. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Takes up to `max` waiting bytes; the view is valid until the next call into this object. */
  take(max: number): Buffer {
    const n = Math.min(max, this.#end - this.#start);
    const view = this.#data.subarray(this.#start, this.#start + n);
    this.#start += n;
    return view;
  }

  /** Reads on after the consumer took bytes (the socket emits `readable` only after a read came back empty). */
  resume(): void {
    if (this.#attached && !this.#pumping) this.#pump();
  }

  /** Ends the COPY at once by closing the connection: a COPY cannot be stopped in-band. */
  destroy(): void {
    this.#connection?.stream.destroy();
  }

  #pump(): void {
    const socket = this.#connection!.stream;
    this.#pumping = true;
    let chunk: Buffer | null;
    let got = false;
    while (this.#attached && this.#end - this.#start < this.#readAhead && (chunk = socket.read()) !== null) {
      this.#parse(chunk);
      got = true;
    }
    this.#pumping = false;
    if (got) this.#notify();
  }

  #parse(input: Buffer): void {
    let chunk = input;
    if (this.#partial) {
      chunk = Buffer.concat([this.#partial, chunk]);
      this.#partial = undefined;
    }
    const length = chunk.length;
    let pos = 0;
    while (pos < length) {
      if (this.#remaining > 0) {
        const n = Math.min(this.#remaining, length - pos);
        if (this.#code === COPY_DATA) this.#append(chunk, pos, pos + n);
        pos += n;
        this.#remaining -= n;
        continue;
      }
      const code = chunk[pos]!;
      if (code !== COPY_DATA && code !== COPY_DONE && code !== COPY_OUT_RESPONSE && code !== PARAMETER_STATUS && code !== NOTICE && code !== NOTIFICATION) {
        // ErrorResponse, or anything unexpected: pg's parser takes over from this message.
        this.#detach(chunk.subarray(pos));
        return;
      }
      if (length - pos < 5) {
        this.#partial = Buffer.from(chunk.subarray(pos));
        return;
      }
      this.#code = code;
      this.#remaining = chunk.readUInt32BE(pos + 1) - 4;
      pos += 5;
      if (code === COPY_DONE) {
        // CommandComplete and ReadyForQuery follow: pg's parser reads them.
        this.copyDone = true;
        this.#remaining = 0;
        this.#detach(chunk.subarray(pos));
        return;
      }
    }
  }

  #append(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    if (this.#end + n > this.#data.length) {
      const kept = this.#end - this.#start;
      const target = kept + n > this.#data.length ? Buffer.allocUnsafe(Math.max(2 * this.#data.length, kept + n)) : this.#data;
      this.#data.copy(target, 0, this.#start, this.#end);
      this.#data = target;
      this.#start = 0;
      this.#end = kept;
    }
    const data = this.#data;
    let end = this.#end;
    if (n <= 64) for (let i = from; i < to; i++) data[end++] = chunk[i]!;
    else end += chunk.copy(data, end, from, to);
    this.#end = end;
  }

  /** Gives the socket back to pg's parser, starting with `rest`. */
  #detach(rest: Buffer): void {
    const socket = this.#connection!.stream;
    this.#attached = false;
    socket.removeListener('readable', this.#onReadable);
    socket.on('data', this.#pgData!);
    if (rest.length > 0) this.#pgData!(rest);
    // Resumed on the next tick, as pg-copy-streams does: the parser's own handling may pause the socket meanwhile.
    process.nextTick(() => socket.resume());
    this.#notify();
  }

  /** pg replaces this to clear its `query_timeout` timer, if one is set; called once the query is over. */
  callback(): void {}

  /** pg: an ErrorResponse, or the connection was lost. */
  handleError(error: Error): void {
    this.callback();
    this.failure ??= error;
    this.finished = true;
    this.#notify();
  }

  handleCommandComplete(): void {}

  /** pg: the COPY is over and the connection is ready for the next query. */
  handleReadyForQuery(): void {
    this.callback();
    this.finished = true;
    this.#notify();
  }
}
