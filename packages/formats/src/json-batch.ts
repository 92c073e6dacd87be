import type { DataRecord, RejectedRecord } from '@sluice/core';
import { isRecord, messageOf, recordToJson } from './json-text.js';

/**
 * Encodes each record of a batch as JSON text, appending `separator` after
 * each one; records JSON cannot hold go to `rejected`. Returns the text and
 * how many records it holds.
 */
export function encodeJsonBatch(
  batch: readonly DataRecord[],
  separator: string,
  rejected: RejectedRecord[],
): { text: string; count: number } {
  let text = '';
  let count = 0;
  for (const record of batch) {
    if (!isRecord(record)) {
      rejected.push({ record, error: new TypeError('record is not an object') });
      continue;
    }
    let json: string;
    try {
      json = recordToJson(record);
    } catch (error) {
      rejected.push({ record, error: new Error(`record cannot be encoded as JSON: ${messageOf(error)}`) });
      continue;
    }
    text += json + separator;
    count++;
  }
  return { text, count };
}

/** UTF-8 bytes of a string; Buffer.from is the fastest encoder in Node. */
export function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

export const EMPTY = new Uint8Array(0);
