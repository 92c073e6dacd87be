import type { DataRecord, RejectedRecord } from '@sluice/core';
import { EMPTY, jsonOrReject, utf8 } from './json-batch.js';
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
  #ended = false;

  get records(): number {
    return this.#records;
  }

  write(batch: readonly DataRecord[]): EncodeResult {
    if (this.#ended) throw new Error('json encoder: write() after end()');
    const rejected: RejectedRecord[] = [];
    let text = '';
    for (const record of batch) {
      const json = jsonOrReject(record, rejected);
      if (json === undefined) continue;
      // The separator leads each element, so the array never ends in a dangling comma.
      text += (this.#records === 0 ? '[\n' : ',\n') + json;
      this.#records++;
    }
    return { bytes: text === '' ? EMPTY : utf8(text), rejected };
  }

  end(): Uint8Array {
    if (this.#ended) return EMPTY;
    this.#ended = true;
    return utf8(this.#records === 0 ? '[]\n' : '\n]\n');
  }
}
