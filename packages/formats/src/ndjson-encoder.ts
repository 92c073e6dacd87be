import type { DataRecord, RejectedRecord } from '@sluice/core';
import { EMPTY, encodeJsonBatch, utf8 } from './json-batch.js';
import type { EncodeResult, RecordEncoder } from './types.js';

/** Newline-delimited JSON: one object per line, `\n`-terminated. */
export class NdjsonEncoder implements RecordEncoder {
  readonly format = 'ndjson';
  readonly contentType = 'application/x-ndjson';
  readonly extension = 'ndjson';
  #records = 0;

  get records(): number {
    return this.#records;
  }

  write(batch: readonly DataRecord[]): EncodeResult {
    const rejected: RejectedRecord[] = [];
    const { text, count } = encodeJsonBatch(batch, '\n', rejected);
    this.#records += count;
    return { bytes: count === 0 ? EMPTY : utf8(text), rejected };
  }

  end(): Uint8Array {
    return EMPTY;
  }
}
