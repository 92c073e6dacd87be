import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CsvRows, DataRecord, EncodedBatch } from '../types.js';
import { decodeLine, encodeLine, encodePlainBatch, isWellFormed, packStringBatch, unpackStringBatch } from './codec.js';

/**
 * The spool file is a run of frames, one per appended batch: a kind byte,
 * the payload's byte length (uint32 LE), the payload.
 */
const enum Frame {
  /** String-only records with one key list: meta JSON length (uint32 LE), meta JSON, value ends (int32 LE each), values text. */
  Packed = 0x50, // P
  /** One JSON array of plain records (strings, finite numbers, booleans, null). */
  PlainJson = 0x4a, // J
  /** JSON lines of records with tagged values (Date, bigint, bytes, non-finite numbers). */
  TaggedLines = 0x54, // T
  /** JSON lines of plain records, as an exporter wrote them (WriteResult.encoded, json-lines). */
  PlainLines = 0x4e, // N
  /** CSV rows of string-only records, as an exporter wrote them (WriteResult.encoded, csv-rows): meta JSON length (uint32 LE), meta JSON, the rows. */
  CsvRows = 0x43, // C
}

interface CsvMeta {
  readonly keys: readonly string[];
  readonly delimiter: string;
  readonly lineEnding: string;
  readonly records: number;
}

const FRAME_HEADER = 5;

interface PackedMeta {
  readonly keys: readonly string[];
  /** How many values (int32 ends) follow the meta JSON. */
  readonly values: number;
  readonly encoding: 'utf8' | 'utf16le';
}

/**
 * A session-delivery route's copy of every record it handed the exporter,
 * on local disk, so a failed object can be written again from the start or
 * dead-lettered whole: nothing is durable in S3 or a file until `end()`.
 */
export class Spool {
  private stream: WriteStream | undefined;
  private directory: string | undefined;
  private failure: Error | undefined;
  count = 0;

  constructor(private readonly parent: string = os.tmpdir()) {}

  private get file(): string {
    return path.join(this.directory!, 'records.spool');
  }

  /**
   * Appends a batch. `encoded`: the same records as an exporter already
   * encoded them (WriteResult.encoded), kept as they are.
   */
  async append(records: readonly DataRecord[], encoded?: EncodedBatch): Promise<void> {
    if (records.length === 0) return;
    if (this.failure) throw this.failure;
    if (!this.stream) {
      this.directory = await mkdtemp(path.join(this.parent, 'sluice-spool-'));
      this.stream = createWriteStream(this.file, { highWaterMark: 1 << 20 });
      this.stream.on('error', (error) => (this.failure = error));
    }
    const parts =
      encoded?.kind === 'json-lines'
        ? [frameHeader(Frame.PlainLines, encoded.bytes.length), encoded.bytes]
        : encoded?.kind === 'csv-rows'
          ? csvFrame(encoded, records.length)
          : encodeFrame(records);
    const stream = this.stream;
    this.count += records.length;
    stream.cork();
    let room = true;
    for (const part of parts) room = stream.write(part);
    stream.uncork();
    if (!room) await new Promise<void>((resolve) => stream.once('drain', resolve));
  }

  /** Reads the records back in batches, in the order they were appended. */
  async *replay(batchSize: number): AsyncGenerator<DataRecord[]> {
    if (!this.stream) return;
    await this.flush();
    const handle = await open(this.file, 'r');
    try {
      let batch: DataRecord[] = [];
      const header = Buffer.alloc(FRAME_HEADER);
      for (let position = 0; ; ) {
        if ((await readFully(handle, header, position)) < FRAME_HEADER) break;
        const payload = Buffer.allocUnsafe(header.readUInt32LE(1));
        if ((await readFully(handle, payload, position + FRAME_HEADER)) < payload.length) throw new Error('the spool file ends inside a frame');
        position += FRAME_HEADER + payload.length;
        for (const record of decodeFrame(header[0]!, payload)) {
          batch.push(record);
          if (batch.length >= batchSize) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      await handle.close();
    }
  }

  private async flush(): Promise<void> {
    const stream = this.stream!;
    await new Promise<void>((resolve, reject) => stream.write('', (error) => (error ? reject(error) : resolve())));
    if (this.failure) throw this.failure;
  }

  async discard(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream && !stream.closed) await new Promise<void>((resolve) => stream.end(resolve));
    if (this.directory) await rm(this.directory, { recursive: true, force: true });
    this.directory = undefined;
    this.count = 0;
  }
}

/** The bytes of one batch's frame, in order. */
function encodeFrame(records: readonly DataRecord[]): Buffer[] {
  const packed = packStringBatch(records);
  if (packed !== undefined) {
    // Lone surrogates do not survive UTF-8: such a text is spooled as UTF-16.
    const encoding = isWellFormed(packed.text) ? 'utf8' : 'utf16le';
    const meta = Buffer.from(JSON.stringify({ keys: packed.keys, values: packed.ends.length, encoding } satisfies PackedMeta), 'utf8');
    const ends = Buffer.from(packed.ends.buffer, packed.ends.byteOffset, packed.ends.byteLength);
    const text = Buffer.from(packed.text, encoding);
    const head = frameHeader(Frame.Packed, 4 + meta.length + ends.length + text.length, 4);
    head.writeUInt32LE(meta.length, FRAME_HEADER);
    return [head, meta, ends, text];
  }
  const plain = encodePlainBatch(records);
  if (plain !== undefined) {
    const json = Buffer.from(plain, 'utf8');
    return [frameHeader(Frame.PlainJson, json.length), json];
  }
  let lines = '';
  for (const record of records) lines += `${encodeLine(record)}\n`;
  const text = Buffer.from(lines, 'utf8');
  return [frameHeader(Frame.TaggedLines, text.length), text];
}

function csvFrame(rows: CsvRows, records: number): Buffer[] {
  const meta = Buffer.from(JSON.stringify({ keys: rows.keys, delimiter: rows.delimiter, lineEnding: rows.lineEnding, records } satisfies CsvMeta), 'utf8');
  const head = frameHeader(Frame.CsvRows, 4 + meta.length + rows.bytes.length, 4);
  head.writeUInt32LE(meta.length, FRAME_HEADER);
  return [head, meta, Buffer.from(rows.bytes.buffer, rows.bytes.byteOffset, rows.bytes.byteLength)];
}

/** The records of CSV rows as {@link CsvRows} describes them. */
export function parseCsvRows(text: string, meta: Omit<CsvMeta, 'records'>): DataRecord[] {
  const { keys, delimiter, lineEnding } = meta;
  const width = keys.length;
  const records: DataRecord[] = [];
  // Assignment would set the prototype: `__proto__` becomes an own property.
  const plainKeys = !keys.includes('__proto__');
  let at = 0;
  while (at < text.length) {
    const record: DataRecord = {};
    for (let k = 0; k < width; k++) {
      const last = k === width - 1;
      const separator = last ? lineEnding : delimiter;
      let value: string;
      if (text.charCodeAt(at) === 34) {
        value = '';
        let from = at + 1;
        for (;;) {
          const quote = text.indexOf('"', from);
          if (quote < 0) throw new Error('the spool file has an unclosed quoted CSV value');
          if (text.charCodeAt(quote + 1) === 34) {
            value += text.slice(from, quote + 1);
            from = quote + 2;
            continue;
          }
          value += text.slice(from, quote);
          at = quote + 1;
          break;
        }
        if (!text.startsWith(separator, at)) throw new Error('the spool file has a quoted CSV value that does not end its field');
      } else {
        const end = text.indexOf(separator, at);
        if (end < 0) throw new Error('the spool file has a CSV row without its line ending');
        value = text.slice(at, end);
        at = end;
      }
      at += separator.length;
      if (plainKeys) record[keys[k]!] = value;
      else Object.defineProperty(record, keys[k]!, { value, enumerable: true, writable: true, configurable: true });
    }
    records.push(record);
  }
  return records;
}

function frameHeader(kind: Frame, payloadLength: number, extra = 0): Buffer {
  const head = Buffer.allocUnsafe(FRAME_HEADER + extra);
  head[0] = kind;
  head.writeUInt32LE(payloadLength, 1);
  return head;
}

function decodeFrame(kind: number, payload: Buffer): DataRecord[] {
  switch (kind) {
    case Frame.Packed: {
      const metaEnd = 4 + payload.readUInt32LE(0);
      const meta = JSON.parse(payload.toString('utf8', 4, metaEnd)) as PackedMeta;
      // Copied out: the payload's offset need not be a multiple of 4.
      const ends = new Int32Array(meta.values);
      const textStart = metaEnd + ends.byteLength;
      payload.copy(Buffer.from(ends.buffer), 0, metaEnd, textStart);
      return unpackStringBatch({ keys: meta.keys, text: payload.toString(meta.encoding, textStart), ends });
    }
    case Frame.PlainJson:
      return JSON.parse(payload.toString('utf8')) as DataRecord[];
    case Frame.CsvRows: {
      const metaEnd = 4 + payload.readUInt32LE(0);
      const meta = JSON.parse(payload.toString('utf8', 4, metaEnd)) as CsvMeta;
      const records = parseCsvRows(payload.toString('utf8', metaEnd), meta);
      if (records.length !== meta.records) throw new Error(`the spool file has ${records.length} CSV rows where ${meta.records} records were written`);
      return records;
    }
    case Frame.PlainLines:
      // No reviver: a plain record's string values are never tags.
      return payload
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as DataRecord);
    case Frame.TaggedLines:
      return payload
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => decodeLine(line) as DataRecord);
    default:
      throw new Error(`the spool file has an unknown frame kind ${kind}`);
  }
}

/** Reads until `buffer` is full or the file ends; the number of bytes read. */
async function readFully(handle: Awaited<ReturnType<typeof open>>, buffer: Buffer, position: number): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}
