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

/**
 * Runs `sql` (a `COPY … TO STDOUT`) on `client` and yields its rows in
 * batches of `batchSize`. Reading pauses while a batch is out and the
 * read-ahead is full (the socket is not read, so TCP holds the server
 * back). When the read stops early — abort, error, or a consumer that
 * returns — the connection's socket is destroyed: a COPY cannot be stopped
 * in-band, and a closed socket ends the server's COPY at once. The caller
 * must then release the client as broken.
 */
export async function* copyBatches(
  client: PgPoolClient,
  sql: string,
  decoder: CopyTextDecoder,
  batchSize: number,
  signal: AbortSignal,
): AsyncGenerator<DataRecord[]> {
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const copy = client.query(new CopyOut(sql, READ_AHEAD_BYTES, notify));
  signal.addEventListener('abort', notify);
  let rows: DataRecord[] = [];
  let complete = false;
  try {
    for (;;) {
      while (rows.length >= batchSize && !signal.aborted) {
        const batch = rows.length === batchSize ? rows : rows.slice(0, batchSize);
        rows = rows.length === batchSize ? [] : rows.slice(batchSize);
        yield batch;
      }
      if (signal.aborted || copy.failure) break;
      if (copy.buffered > 0) {
        decoder.write(copy.take(DECODE_BYTES), rows);
        copy.resume();
        continue;
      }
      if (copy.finished) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (copy.failure) throw copy.failure;
    if (signal.aborted) return;
    if (!copy.copyDone) throw new Error('the server ended the COPY without CopyDone');
    decoder.end();
    complete = true;
    if (rows.length > 0) yield rows;
  } finally {
    signal.removeEventListener('abort', notify);
    if (!complete) copy.destroy();
  }
}
