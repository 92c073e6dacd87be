import type { DataRecord, RejectedRecord } from '@sluice/core';
import { EMPTY, encodeJsonBatch, utf8 } from './json-batch.js';
import type { EncodeResult, RecordEncoder } from './types.js';

/**
 * One JSON array streamed element by element: `[` with the first record,
 * `,\n` between records, `]` at the end; an empty run yields `[]`.
 */
export class JsonArrayEncoder implements RecordEncoder {
  readonly format = 'json';
  readonly contentType = 'application/json';
  readonly extension = 'json';
  #records = 0;

  get records(): number {
    return this.#records;
  }
  #ended = false;

  write(batch: readonly DataRecord[]): EncodeResult {
    if (this.#ended) throw new Error('json encoder: write() after end()');
    const rejected: RejectedRecord[] = [];
    const { text, count } = encodeJsonBatch(batch, ',\n', rejected);
    if (count === 0) return { bytes: EMPTY, rejected };
    // The separator trails each record; move it to lead instead so the
    // array never ends in a dangling comma.
    const body = text.slice(0, -2);
    const prefix = this.#records === 0 ? '[\n' : ',\n';
    this.#records += count;
    return { bytes: utf8(prefix + body), rejected };
  }

  end(): Uint8Array {
    if (this.#ended) return EMPTY;
    this.#ended = true;
    return utf8(this.#records === 0 ? '[]\n' : '\n]\n');
  }
}
