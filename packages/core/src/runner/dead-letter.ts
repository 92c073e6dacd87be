import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { DataRecord } from '../types.js';
import { encodeLine } from './codec.js';

/** One record (or unparseable input) that could not be delivered, with why. */
export interface DeadLetterEntry {
  /** `source`: input a source could not turn into a record; `export`: a record a target did not take. */
  readonly stage: 'source' | 'export';
  readonly datasource: string;
  readonly rule?: string;
  readonly target?: string;
  readonly error: string;
  /** Where the input came from, e.g. `data.csv:17`. */
  readonly location?: string;
  readonly record?: DataRecord;
  /** Raw input of a `source` entry. */
  readonly input?: unknown;
}

/** Where dead letters go. The default writes NDJSON files; embedders may plug their own. */
export interface DeadLetterStore {
  write(entries: readonly DeadLetterEntry[]): Promise<void>;
  /** Where this store keeps its entries, for the run summary (a file path). */
  readonly location: string | undefined;
  close(): Promise<void>;
}

/**
 * One NDJSON file per run, `<dir>/<run_id>.ndjson`, created on the first
 * entry. Each line: `{time, run_id, stage, datasource, rule, target, error,
 * location, record | input}`; records keep Dates and bigints (tagged).
 */
export class NdjsonDeadLetterStore implements DeadLetterStore {
  private stream: WriteStream | undefined;
  private readonly file: string;
  private failure: Error | undefined;

  constructor(
    directory: string,
    private readonly runId: string,
  ) {
    this.file = path.join(directory, `${runId}.ndjson`);
  }

  get location(): string | undefined {
    return this.stream ? this.file : undefined;
  }

  async write(entries: readonly DeadLetterEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (this.failure) throw this.failure;
    if (!this.stream) {
      mkdirSync(path.dirname(this.file), { recursive: true });
      this.stream = createWriteStream(this.file, { flags: 'a' });
      this.stream.on('error', (error) => (this.failure = error));
    }
    const time = new Date().toISOString();
    let text = '';
    for (const entry of entries) text += `${encodeLine({ time, run_id: this.runId, ...entry })}\n`;
    const stream = this.stream;
    // Dead letters are the last line of defence: wait until the OS has them.
    await new Promise<void>((resolve, reject) => stream.write(text, (error) => (error ? reject(error) : resolve())));
  }

  async close(): Promise<void> {
    const stream = this.stream;
    if (!stream || stream.closed) return;
    await new Promise<void>((resolve) => stream.end(resolve));
    if (this.failure) throw this.failure;
  }
}
