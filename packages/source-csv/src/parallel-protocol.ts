import type { DataRecord, NormalizedRule } from '@sluice/core';
import type { RowErrorCode } from './row-errors.js';
import type { ColumnType } from './types.js';

/** What every worker of the parallel reader is started with. */
export interface WorkerInit {
  readonly file: string;
  readonly where: string;
  readonly delimiter: string;
  readonly skipEmptyLines: boolean;
  readonly maxRecordSize: number;
  readonly recordDelimiter: '\n' | '\r\n';
  readonly columns: readonly string[];
  readonly types: Readonly<Record<string, ColumnType>>;
  /** The normalised rules (plain data); each worker compiles its own push-down. */
  readonly rules: readonly NormalizedRule[];
  readonly runStartedAt: number;
  /** Bytes per read. */
  readonly readBytes: number;
}

/** One byte range `[start, end)` of the file; `last` when it runs to the end. */
export interface RangeJob {
  readonly id: number;
  readonly start: number;
  readonly end: number;
  readonly last: boolean;
}

/** A range's candidate records, rejected rows (line numbers relative to the range) and counts. */
export interface RangeResult {
  readonly id: number;
  /** False when the range did not end on a record boundary: its output is void. */
  readonly clean: boolean;
  readonly records: DataRecord[];
  readonly rejects: { raw: string; code: RowErrorCode; message: string; line: number }[];
  readonly skipped: number;
  /** Line breaks in the range. */
  readonly breaks: number;
}

/**
 * Records as their fields' text, packed: UTF-8 bytes and, per value (record
 * by record, in `keys` order), its start and end in them. A start below zero
 * is `~start` of a value whose `""` stand for `"`. Both buffers are
 * transferred, not copied; see packer.ts. Columns with a declared type are
 * converted when the records are built (`types`): the reader already
 * checked that every value converts.
 */
export interface PackedRecords {
  readonly keys: readonly string[];
  readonly types?: Readonly<Record<string, ColumnType>>;
  readonly count: number;
  readonly bytes: Uint8Array;
  readonly spans: Int32Array;
}

/** A result as posted: records travel packed, except where a column name rules that out (then as a structured clone). */
export type RangeMessage = Omit<RangeResult, 'records'> & { readonly records: DataRecord[] | PackedRecords };

/** What a worker posts: once `ready` (started, rules compiled), then one result per range. */
export type WorkerMessage = RangeMessage | { readonly ready: true };
