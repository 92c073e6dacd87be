import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { DataRecord, EncodedBatch, RejectedRecord } from '@sluice/core';
import type { EncodedStream, EncodedStreamOptions, RecordEncoder } from './types.js';

/**
 * Binds an encoder to a Node writable: each batch is encoded and written,
 * waiting for `drain` when the sink is full, optionally through gzip.
 * An error or early close of `out` (or of the gzip stage) rejects the pending
 * and every later call, so a dead sink never leaves a write hanging.
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
  let rejectWait: ((error: Error) => void) | undefined;
  let bytesWritten = 0;
  let ended = false;

  const fail = (error: Error): void => {
    failure ??= error;
    rejectWait?.(failure);
  };
  out.on('error', fail);
  out.on('close', () => {
    if (!(out as { writableFinished?: boolean }).writableFinished) fail(new Error('the output closed before the encoded stream ended'));
  });
  if (gzip) {
    gzip.on('error', fail);
    gzip.pipe(out);
  }

  function drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        rejectWait = undefined;
        resolve();
      };
      sink.once('drain', onDrain);
      rejectWait = (error) => {
        sink.off('drain', onDrain);
        rejectWait = undefined;
        reject(error);
      };
    });
  }

  async function push(bytes: Uint8Array): Promise<void> {
    if (failure) throw failure;
    if (bytes.length === 0) return;
    bytesWritten += bytes.length;
    if (!sink.write(bytes)) await drained();
  }

  return {
    get bytesWritten() {
      return bytesWritten;
    },
    async write(batch: readonly DataRecord[]): Promise<{ rejected: RejectedRecord[]; encoded?: EncodedBatch }> {
      if (ended) throw new Error('encoded stream: write() after end()');
      const { bytes, rejected, encoded } = encoder.write(batch);
      await push(bytes);
      if (rejected.length > 0 || encoded === undefined) return { rejected };
      if (encoded.kind === 'json-lines') return { rejected, encoded: { kind: 'json-lines', bytes } };
      const { offset, keys, delimiter, lineEnding } = encoded;
      return { rejected, encoded: { kind: 'csv-rows', bytes: bytes.subarray(offset), keys, delimiter, lineEnding } };
    },
    async end(): Promise<void> {
      if (ended) return;
      ended = true;
      try {
        await push(encoder.end());
        sink.end();
        await finished(out);
      } catch (error) {
        gzip?.destroy();
        throw failure ?? error;
      }
      if (failure) throw failure;
    },
  };
}
