import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { DataRecord, RejectedRecord } from '@sluice/core';
import type { EncodedStream, EncodedStreamOptions, RecordEncoder } from './types.js';

/**
 * Binds an encoder to a Node writable: each batch is encoded and written,
 * waiting for `drain` when the sink is full, optionally through gzip.
 *
 * @example
 * const stream = createEncodedStream(createEncoder('ndjson'), fs.createWriteStream('out.ndjson.gz'), { gzip: true });
 * await stream.write(records);
 * await stream.end();
 */
export function createEncodedStream(
  encoder: RecordEncoder,
  out: NodeJS.WritableStream,
  opts: EncodedStreamOptions = {},
): EncodedStream {
  if (opts.gzip && encoder.format === 'parquet') {
    throw new TypeError('gzip applies to text formats only: Parquet compresses its pages itself (parquet.compression)');
  }
  const gzip = opts.gzip ? createGzip() : undefined;
  const sink: NodeJS.WritableStream = gzip ?? out;
  let failure: Error | undefined;
  const fail = (error: Error): void => {
    failure ??= error;
  };
  out.on('error', fail);
  if (gzip) {
    gzip.on('error', fail);
    gzip.pipe(out);
  }
  let bytesWritten = 0;
  let ended = false;

  async function push(bytes: Uint8Array): Promise<void> {
    if (failure) throw failure;
    if (bytes.length === 0) return;
    bytesWritten += bytes.length;
    if (sink.write(bytes)) return;
    // Settles on drain, or rejects on the first 'error' (events.once does that).
    await once(sink as unknown as NodeJS.EventEmitter, 'drain');
    if (failure) throw failure;
  }

  return {
    get bytesWritten() {
      return bytesWritten;
    },
    async write(batch: readonly DataRecord[]): Promise<{ rejected: RejectedRecord[] }> {
      if (ended) throw new Error('encoded stream: write() after end()');
      const { bytes, rejected } = encoder.write(batch);
      await push(bytes);
      return { rejected };
    },
    async end(): Promise<void> {
      if (ended) return;
      ended = true;
      await push(encoder.end());
      sink.end();
      await finished(out as NodeJS.WritableStream);
      if (failure) throw failure;
    },
  };
}
