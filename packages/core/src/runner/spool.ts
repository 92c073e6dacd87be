import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { DataRecord } from '../types.js';
import { decodeLine, encodeLine, encodePlainBatch } from './codec.js';

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
    return path.join(this.directory!, 'records.ndjson');
  }

  async append(records: readonly DataRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.failure) throw this.failure;
    if (!this.stream) {
      this.directory = await mkdtemp(path.join(this.parent, 'sluice-spool-'));
      this.stream = createWriteStream(this.file, { highWaterMark: 1 << 20 });
      this.stream.on('error', (error) => (this.failure = error));
    }
    // A line is either one batch of plain records as a JSON array, or one tagged record.
    let text = encodePlainBatch(records);
    if (text !== undefined) text += '\n';
    else {
      text = '';
      for (const record of records) text += `${encodeLine(record)}\n`;
    }
    this.count += records.length;
    if (!this.stream.write(text)) await new Promise<void>((resolve) => this.stream!.once('drain', resolve));
  }

  /** Reads the records back in batches, in the order they were appended. */
  async *replay(batchSize: number): AsyncGenerator<DataRecord[]> {
    if (!this.stream) return;
    await this.flush();
    const lines = createInterface({ input: createReadStream(this.file), crlfDelay: Infinity });
    let batch: DataRecord[] = [];
    for await (const line of lines) {
      if (line === '') continue;
      if (line.charCodeAt(0) === 0x5b /* [ */) {
        for (const record of JSON.parse(line) as DataRecord[]) batch.push(record);
      } else batch.push(decodeLine(line) as DataRecord);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
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
