import type { DataRecord, RejectedRecord } from '@sluice/core';
import { isRecord, messageOf, recordToJson } from './json-text.js';

/** A record as JSON text, or `undefined` after adding it to `rejected` with the reason. */
export function jsonOrReject(record: DataRecord, rejected: RejectedRecord[]): string | undefined {
  if (!isRecord(record)) {
    rejected.push({ record, error: new TypeError('record is not an object') });
    return undefined;
  }
  try {
    return recordToJson(record);
  } catch (error) {
    rejected.push({ record, error: new Error(`record cannot be encoded as JSON: ${messageOf(error)}`) });
    return undefined;
  }
}

/** UTF-8 bytes of a string; Buffer.from is the fastest encoder in Node. */
export function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

export const EMPTY = new Uint8Array(0);
