import copyStreams from 'pg-copy-streams';
import type { DataRecord } from '@sluice/core';
import type { PgPoolClient } from '@sluice/pg-common';
import type { CopyTextDecoder } from './copy-text.js';

/**
 * Bytes the COPY stream buffers ahead while a batch is being processed: the
 * server keeps sending meanwhile, and memory stays bounded whatever the
 * result size.
 */
const READ_AHEAD_BYTES = 1024 * 1024;

/** Most bytes decoded at once, so a full read-ahead buffer never turns into many batches of records at once. */
const DECODE_BYTES = 256 * 1024;

type CopyStream = ReturnType<typeof copyStreams.to> & { connection?: { stream?: { destroy(): void } } };

/**
 * Runs `sql` (a `COPY … TO STDOUT`) on `client` and yields its rows in
 * batches of `batchSize`. Reading pauses while a batch is out (the stream
 * stops reading the socket past its buffer, so TCP holds the server back).
 * When the read stops early — abort, error, or a consumer that returns — the
 * connection's socket is destroyed: a COPY cannot be stopped in-band, and a
 * closed socket ends the server's COPY at once. The caller must then
 * release the client as broken.
 */
export async function* copyBatches(
  client: PgPoolClient,
  sql: string,
  decoder: CopyTextDecoder,
  batchSize: number,
  signal: AbortSignal,
): AsyncGenerator<DataRecord[]> {
  const stream = client.query(copyStreams.to(sql, { highWaterMark: READ_AHEAD_BYTES })) as CopyStream;
  let failure: Error | undefined;
  let ended = false;
  let complete = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  stream.on('readable', notify);
  stream.on('end', () => {
    ended = true;
    notify();
  });
  stream.on('error', (error: Error) => {
    failure ??= error;
    notify();
  });
  signal.addEventListener('abort', notify);
  let rows: DataRecord[] = [];
  try {
    for (;;) {
      while (rows.length >= batchSize && !signal.aborted) {
        const batch = rows.length === batchSize ? rows : rows.slice(0, batchSize);
        rows = rows.length === batchSize ? [] : rows.slice(batchSize);
        yield batch;
      }
      if (signal.aborted || failure) break;
      const buffered = stream.readableLength;
      const chunk = (buffered > 0 ? stream.read(Math.min(buffered, DECODE_BYTES)) : stream.read()) as Buffer | null;
      if (chunk !== null) {
        decoder.write(chunk, rows);
        continue;
      }
      if (ended) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (failure) throw failure;
    if (signal.aborted) return;
    decoder.end();
    complete = true;
    if (rows.length > 0) yield rows;
  } finally {
    signal.removeEventListener('abort', notify);
    if (!complete || !ended) stream.connection?.stream?.destroy();
  }
}
