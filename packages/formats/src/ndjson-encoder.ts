import type { DataRecord, RejectedRecord } from '@sluice/core';
import { EMPTY, jsonOrReject, utf8 } from './json-batch.js';
import { flatJsonLines } from './json-lines.js';
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
    const lines = flatJsonLines(batch);
    if (lines !== undefined) {
      this.#records += batch.length;
      return lines.plain ? { bytes: lines.bytes, rejected, jsonLines: true } : { bytes: lines.bytes, rejected };
    }
    let text = '';
    for (const record of batch) {
      const json = jsonOrReject(record, rejected);
      if (json === undefined) continue;
      text += json + '\n';
      this.#records++;
    }
    return { bytes: text === '' ? EMPTY : utf8(text), rejected };
  }

  end(): Uint8Array {
    return EMPTY;
  }
}
