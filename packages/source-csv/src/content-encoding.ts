import { Readable, pipeline, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';

/** A content coding this reader decodes. */
export type ContentCoding = 'gzip' | 'deflate' | 'br';

/** The `Accept-Encoding` a download sends: exactly the codings {@link decodeContent} undoes. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/** A `Content-Encoding` this reader cannot undo; `coding` is as the server wrote it. */
export class UnsupportedCodingError extends Error {
  constructor(readonly coding: string) {
    super(`content-encoding "${coding}" is not supported (only gzip, deflate and br are)`);
    this.name = 'UnsupportedCodingError';
  }
}

/** Data that does not decode as its `coding` says: corrupt, or cut short. The caller names what it was. */
export class CorruptDataError extends Error {
  constructor(
    readonly coding: ContentCoding,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'CorruptDataError';
  }
}

/**
 * The codings of a `Content-Encoding` header, in the order they were applied
 * (RFC 9110 §8.4), `identity` left out. Throws an
 * {@link UnsupportedCodingError} for any other coding.
 *
 * @example
 * contentCodings('gzip, br'); // ['gzip', 'br']: undo br first, then gzip
 */
export function contentCodings(header: string | string[] | undefined): ContentCoding[] {
  if (header === undefined) return [];
  const codings: ContentCoding[] = [];
  for (const token of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const coding = token.trim().toLowerCase();
    if (coding === '' || coding === 'identity') continue;
    if (coding === 'gzip' || coding === 'x-gzip') codings.push('gzip');
    else if (coding === 'deflate' || coding === 'br') codings.push(coding);
    else throw new UnsupportedCodingError(token.trim());
  }
  return codings;
}

/**
 * Undoes `codings` (as {@link contentCodings} lists them) on a byte stream,
 * last applied first, streaming: each stage holds at most a chunk or two, and
 * stopping the iteration stops the source. A stage that meets bad input
 * throws a {@link CorruptDataError}; errors of the source pass through as they are.
 */
export function decodeContent(source: AsyncIterable<Uint8Array>, codings: readonly ContentCoding[]): AsyncIterable<Uint8Array> {
  let stream = source;
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]!;
    stream = coding === 'deflate' ? inflate(stream) : through(stream, coding, coding === 'gzip' ? createGunzip() : createBrotliDecompress());
  }
  return stream;
}

/**
 * A `.gz` file served without a Content-Encoding (`application/gzip`, or a
 * server that does not label it): gunzipped when it starts as gzip does.
 * Sniffed rather than assumed, because a server that labels it
 * `Content-Encoding: gzip` has had it decoded already.
 */
export async function* gunzipIfGzip(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const { head, stream } = await peek(source, 2);
  if (head[0] === 0x1f && head[1] === 0x8b) yield* through(stream, 'gzip', createGunzip());
  else yield* stream;
}

/**
 * `deflate` as browsers take it: the zlib format RFC 9110 names, or the raw
 * deflate data some servers send instead, told apart by the zlib header.
 */
async function* inflate(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const { head, stream } = await peek(source, 2);
  // A zlib header: compression method 8 (deflate), header checksum a multiple of 31.
  const zlib = head.length >= 2 && (head[0]! & 0x0f) === 8 && ((head[0]! << 8) | head[1]!) % 31 === 0;
  yield* through(stream, 'deflate', zlib ? createInflate() : createInflateRaw());
}

/** The first `bytes` of a stream (fewer if it is shorter), and the whole stream, those bytes included. */
async function peek(source: AsyncIterable<Uint8Array>, bytes: number): Promise<{ head: Buffer; stream: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* stream(): AsyncGenerator<Uint8Array> {
    try {
      if (head.length > 0) yield head;
      if (done) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      await iterator.return?.();
    }
  }
  return { head, stream: stream() };
}

/** One decoding stage: `source` through a zlib `decoder`; a failure of the decoder itself becomes a {@link CorruptDataError}. */
async function* through(source: AsyncIterable<Uint8Array>, coding: ContentCoding, decoder: Transform): AsyncGenerator<Uint8Array> {
  // The pipeline hands a source's error to the decoder too: it is told apart here, to pass through unchanged.
  let sourceFailed = false;
  async function* watched(): AsyncGenerator<Uint8Array> {
    try {
      yield* source;
    } catch (error) {
      sourceFailed = true;
      throw error;
    }
  }
  // The callback only keeps the error from being unhandled: the iteration below sees every failure.
  const output = pipeline(Readable.from(watched(), { objectMode: false }), decoder, () => undefined);
  try {
    for await (const chunk of output) yield chunk as Uint8Array;
  } catch (error) {
    throw sourceFailed ? error : new CorruptDataError(coding, error);
  }
}
