import type { DataRecord } from '@sluice/core';
import type { PgPoolClient } from '@sluice/pg-common';
import { CopyOut } from './copy-out.js';
import type { CopyTextDecoder } from './copy-text.js';

/**
 * Bytes read ahead while a batch is being processed: the server keeps
 * sending meanwhile, and memory stays bounded whatever the result size.
 */
const READ_AHEAD_BYTES = 1024 * 1024;

/** Most bytes decoded at once, so a full read-ahead buffer never turns into many batches of records at once. */
const DECODE_BYTES = 256 * 1024;

/** A promise and its resolver, for one task to wait until another wakes it. */
class Waiter {
  #wake: (() => void) | undefined;

  wait(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  wake = (): void => {
    const resolve = this.#wake;
    this.#wake = undefined;
    resolve?.();
  };
}

/**
 * Runs `sql` (a `COPY … TO STDOUT`) on `client` and yields its rows in
 * batches of `batchSize`.
 *
 * Rows are decoded one batch ahead, in the background: while the consumer
 * works on a batch (the runner evaluates it, then waits for its export),
 * the next one is being decoded, as the cursor path has the server fill
 * the next batch meanwhile. Each slice of decoding waits for the event
 * loop first, so I/O that is ready (the previous batch's write, which the
 * runner starts just before asking for the next batch) goes before it.
 * Reading pauses once a batch is ready and the read-ahead bytes are full
 * (the socket is not read, so TCP holds the server back).
 *
 * When the read stops early — abort, error, or a consumer that returns —
 * the connection's socket is destroyed: a COPY cannot be stopped in-band,
 * and a closed socket ends the server's COPY at once. The caller must then
 * release the client as broken.
 */
export async function* copyBatches(
  client: PgPoolClient,
  sql: string,
  decoder: CopyTextDecoder,
  batchSize: number,
  signal: AbortSignal,
): AsyncGenerator<DataRecord[]> {
  const producer = new Waiter();
  const consumer = new Waiter();
  const copy = client.query(new CopyOut(sql, READ_AHEAD_BYTES, producer.wake));
  const onAbort = (): void => {
    producer.wake();
    consumer.wake();
  };
  signal.addEventListener('abort', onAbort);
  const ready: DataRecord[][] = [];
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let decoded = false;

  const decodeAhead = async (): Promise<void> => {
    let rows: DataRecord[] = [];
    try {
      for (;;) {
        if (stopped || signal.aborted) return;
        if (copy.failure) throw copy.failure;
        if (ready.length > 0) {
          await producer.wait();
        } else if (copy.buffered > 0) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (stopped || signal.aborted) return;
          decoder.write(copy.take(DECODE_BYTES), rows);
          copy.resume();
          for (let at = 0; rows.length - at >= batchSize; at += batchSize) ready.push(rows.slice(at, at + batchSize));
          if (rows.length >= batchSize) rows = rows.slice(rows.length - (rows.length % batchSize));
          if (ready.length > 0) consumer.wake();
        } else if (copy.finished) {
          if (!copy.copyDone) throw new Error('the server ended the COPY without CopyDone');
          decoder.end();
          if (rows.length > 0) ready.push(rows);
          decoded = true;
          return;
        } else {
          await producer.wait();
        }
      }
    } catch (error) {
      failure = { error };
    } finally {
      stopped = true;
      consumer.wake();
    }
  };

  const decoding = decodeAhead();
  try {
    for (;;) {
      if (signal.aborted) break;
      const batch = ready.shift();
      if (batch) {
        producer.wake();
        yield batch;
        continue;
      }
      if (failure) throw failure.error;
      if (stopped) break;
      await consumer.wait();
    }
  } finally {
    stopped = true;
    producer.wake();
    await decoding;
    signal.removeEventListener('abort', onAbort);
    if (!decoded) copy.destroy();
  }
}
