import type { DataRecord, RejectedRecord } from '@sluice/core';
import { EMPTY, jsonOrReject, utf8 } from './json-batch.js';
import { flatJsonLines, jsonLinesOnBytes } from './json-lines.js';
import type { EncodeResult, RecordEncoder } from './types.js';

/** Newline-delimited JSON: one object per line, `\n`-terminated. */
export class NdjsonEncoder implements RecordEncoder {
  readonly format = 'ndjson';
  readonly contentType = 'application/x-ndjson';
  readonly extension = 'ndjson';
  #records = 0;
  /** Bytes per line of the last batch, to size the next one's buffer. */
  #lineBytes = 128;

  get records(): number {
    return this.#records;
  }

  write(batch: readonly DataRecord[]): EncodeResult {
    const rejected: RejectedRecord[] = [];
    const lines = jsonLinesOnBytes(batch, this.#lineBytes) ?? flatJsonLines(batch);
    if (lines !== undefined) {
      this.#lineBytes = Math.ceil((lines.bytes.length / batch.length) * 1.125) + 8;
      this.#records += batch.length;
      return lines.plain ? { bytes: lines.bytes, rejected, encoded: { kind: 'json-lines' } } : { bytes: lines.bytes, rejected };
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
