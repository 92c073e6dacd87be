import type { DataRecord, PushdownRules } from '@sluice/core';
import type { BatchCollector } from './batches.js';
import { converterFor, INVALID, type Converter } from './convert.js';
import { CsvRowError } from './row-errors.js';
import type { ColumnType } from './types.js';

/** Where tokenizers deliver rows; implemented by {@link RowHandler}. */
export interface RowSink {
  /** A row as strings; its raw text is `text[rawStart, rawEnd)`. */
  fields(fields: readonly string[], line: number, text: string, rawStart: number, rawEnd: number): void;
  /**
   * A row as spans of `text` (`starts[i]`, `ends[i]`), so only the fields
   * that are needed get sliced. Its raw text is `text[rawStart, rawEnd)`.
   * Where `escaped[i]` is 1 the span holds doubled quotes (`""` means `"`).
   */
  spans(
    text: string,
    starts: Int32Array,
    ends: Int32Array,
    count: number,
    line: number,
    rawStart: number,
    rawEnd: number,
    escaped: Uint8Array | undefined,
  ): void;
  /** Input that is not a row (bad quoting). */
  malformed(raw: string, error: CsvRowError, line: number): void;
}

export interface RowHandlerOptions {
  /** Display name of the input, for locations (`data/a.csv:12`). */
  readonly file: string;
  /** Config path of the datasource, for errors. */
  readonly where: string;
  readonly header: boolean;
  readonly columns: readonly string[] | undefined;
  /** The line of the header row `columns` were read from, when the caller read it (the parallel reader); for messages. */
  readonly columnsLine?: number;
  readonly types: Readonly<Record<string, ColumnType>>;
  readonly sourceField: string | undefined;
  readonly pushdown: PushdownRules | undefined;
  readonly batches: BatchCollector;
  reject(input: unknown, error: Error, location: string): void;
  /**
   * Fails the read (a bad header, `types` naming a missing column): throws a
   * ConnectorError. Injected so a worker thread need not load @sluice/core.
   */
  readonly fail: (message: string) => never;
  /**
   * Rows as values instead of records (for a worker thread that sends them
   * packed): each accepted row appends its fields' text to `values`, once
   * its typed fields are known to convert. Only for distinct column names.
   */
  readonly pack?: { values: string[] };
  /** The location of a line; `file:line` by default. */
  readonly locate?: (line: number) => string;
}

const NOT_SET = -1;

/**
 * Turns tokenized rows into records: header, column count, push-down on a
 * reused scratch object, declared types, batching.
 */
export class RowHandler implements RowSink {
  private names: string[] | undefined;
  private converters: (Converter | undefined)[] = [];
  /** Column indexes the push-down predicate reads, and their names. */
  private refIndexes: number[] = [];
  private refNames: string[] = [];
  /** Typed columns the predicate does not read: still validated for skipped rows. */
  private otherTyped: number[] = [];
  private readonly scratch: DataRecord = {};
  private safeKeys = true;
  private skipHeader: boolean;
  // The row being handled: either an array or spans of a text.
  private arr: readonly string[] | undefined;
  private text = '';
  private starts: Int32Array = new Int32Array(0);
  private ends: Int32Array = new Int32Array(0);
  private escaped: Uint8Array | undefined;

  constructor(private readonly options: RowHandlerOptions) {
    this.skipHeader = options.header;
    if (options.columns) this.setColumns(options.columns, options.columnsLine);
  }

  fields(fields: readonly string[], line: number, text: string, rawStart: number, rawEnd: number): void {
    this.arr = fields;
    this.row(fields.length, line, text, rawStart, rawEnd);
  }

  spans(
    text: string,
    starts: Int32Array,
    ends: Int32Array,
    count: number,
    line: number,
    rawStart: number,
    rawEnd: number,
    escaped: Uint8Array | undefined,
  ): void {
    this.arr = undefined;
    this.escaped = escaped;
    this.text = text;
    this.starts = starts;
    this.ends = ends;
    this.row(count, line, text, rawStart, rawEnd);
  }

  malformed(raw: string, error: CsvRowError, line: number): void {
    if (this.skipHeader) {
      this.options.fail(`${this.location(line)}: header row: ${error.message}`);
    }
    this.options.reject(raw, error, this.location(line));
  }

  private field(i: number): string {
    if (this.arr !== undefined) return this.arr[i]!;
    const value = this.text.slice(this.starts[i]!, this.ends[i]!);
    return this.escaped !== undefined && this.escaped[i] === 1 ? value.replaceAll('""', '"') : value;
  }

  private location(line: number): string {
    return this.options.locate !== undefined ? this.options.locate(line) : `${this.options.file}:${line}`;
  }

  private row(count: number, line: number, text: string, rawStart: number, rawEnd: number): void {
    if (this.skipHeader) {
      this.skipHeader = false;
      if (this.names && count !== this.names.length) {
        // Every row would be rejected as ragged: one error says why.
        this.options.fail(`${this.location(line)}: columns has ${this.names.length} names, the header row has ${count} fields; give one name per column`);
      }
      if (!this.names) {
        const header: string[] = [];
        for (let i = 0; i < count; i++) header.push(this.field(i));
        this.setColumns(header, line);
      }
      return;
    }
    const names = this.names!;
    if (count !== names.length) {
      const error = new CsvRowError('ragged_row', `expected ${names.length} fields, got ${count}`);
      this.options.reject(text.slice(rawStart, rawEnd), error, this.location(line));
      return;
    }
    const converters = this.converters;
    const pushdown = this.options.pushdown;
    if (pushdown !== undefined) {
      const scratch = this.scratch;
      const refIndexes = this.refIndexes;
      for (let k = 0; k < refIndexes.length; k++) {
        const i = refIndexes[k]!;
        const convert = converters[i];
        const value = convert === undefined ? this.field(i) : convert(this.field(i));
        if (value === INVALID) return this.invalid(i, line, text, rawStart, rawEnd);
        scratch[this.refNames[k]!] = value;
      }
      if (this.options.sourceField !== undefined && pushdown.fields.includes(this.options.sourceField)) {
        scratch[this.options.sourceField] = this.location(line);
      }
      if (!pushdown.candidate(scratch)) {
        // A row with a bad typed value is rejected with or without push-down.
        const otherTyped = this.otherTyped;
        for (let k = 0; k < otherTyped.length; k++) {
          const i = otherTyped[k]!;
          if (converters[i]!(this.field(i)) === INVALID) return this.invalid(i, line, text, rawStart, rawEnd);
        }
        this.options.batches.skipped++;
        return;
      }
    }
    const pack = this.options.pack;
    if (pack !== undefined) {
      // Whoever builds the record converts again; a value that would not convert is rejected here, as below.
      // The columns the push-down read were converted above: only the other typed ones are left to check.
      const otherTyped = this.otherTyped;
      for (let k = 0; k < otherTyped.length; k++) {
        const i = otherTyped[k]!;
        if (converters[i]!(this.field(i)) === INVALID) return this.invalid(i, line, text, rawStart, rawEnd);
      }
      const values = pack.values;
      for (let i = 0; i < count; i++) values.push(this.field(i));
      return;
    }
    const record: DataRecord = {};
    for (let i = 0; i < count; i++) {
      const convert = converters[i];
      const value = convert === undefined ? this.field(i) : convert(this.field(i));
      if (value === INVALID) return this.invalid(i, line, text, rawStart, rawEnd);
      if (this.safeKeys) record[names[i]!] = value;
      else Object.defineProperty(record, names[i]!, { value, enumerable: true, writable: true, configurable: true });
    }
    if (this.options.sourceField !== undefined) record[this.options.sourceField] = this.location(line);
    this.options.batches.add(record);
  }

  private invalid(column: number, line: number, text: string, rawStart: number, rawEnd: number): void {
    const name = this.names![column]!;
    const type = this.options.types[name];
    const error = new CsvRowError('invalid_value', `column "${name}": ${JSON.stringify(this.field(column))} is not a valid ${type}`);
    this.options.reject(text.slice(rawStart, rawEnd), error, this.location(line));
  }

  /** `headerLine` is the line of the header row the names come from; undefined for `columns`. */
  private setColumns(given: readonly string[], headerLine: number | undefined): void {
    // A record has one value per name: a header's repeated names are made
    // unique (its data is not the user's to fix); repeated names in `columns`
    // and a source_field named like a column are mistakes to report.
    const names = headerLine === undefined ? given : uniqueColumnNames(given);
    const first = new Map<string, number>();
    names.forEach((name, i) => {
      const before = first.get(name);
      if (before === undefined) return first.set(name, i);
      const where = headerLine === undefined ? 'columns' : `${this.location(headerLine)}: the header`;
      const fix = headerLine === undefined ? 'give each column its own name' : 'name the columns with `columns: [...]`';
      this.options.fail(`${where} names column ${JSON.stringify(name)} twice (columns ${before + 1} and ${i + 1}), and a record keeps one value per name; ${fix}`);
    });
    const sourceField = this.options.sourceField;
    if (sourceField !== undefined && first.has(sourceField)) {
      this.options.fail(
        `source_field: ${JSON.stringify(sourceField)} is also column ${first.get(sourceField)! + 1} of ${this.options.file}, whose values it would replace; choose another name`,
      );
    }
    this.names = [...names];
    this.safeKeys = !this.names.includes('__proto__');
    const declared = this.options.types;
    for (const name of Object.keys(declared)) {
      if (!this.names.includes(name)) {
        this.options.fail(`types.${name}: no column "${name}" in ${this.options.file} (columns: ${this.names.join(', ')})`);
      }
    }
    this.converters = this.names.map((name) => (Object.hasOwn(declared, name) ? converterFor(declared[name]!) : undefined));
    const pushdown = this.options.pushdown;
    this.refIndexes = [];
    this.refNames = [];
    if (pushdown) {
      for (const field of pushdown.fields) {
        const i = first.get(field) ?? NOT_SET;
        if (i === NOT_SET) continue;
        this.refIndexes.push(i);
        this.refNames.push(field);
        this.scratch[field] = undefined;
      }
    }
    this.otherTyped = this.converters.flatMap((c, i) => (c !== undefined && !this.refIndexes.includes(i) ? [i] : []));
  }
}

/**
 * A header's column names with repeats made unique, as DuckDB names them: a
 * repeated name gets `_1`, `_2`… (`a, a` → `a, a_1`), a repeated empty name
 * its position (`a,,` → `a, "", column3`), so no column's values are lost to
 * another of the same name.
 */
export function uniqueColumnNames(names: readonly string[]): string[] {
  const taken = new Set(names);
  if (taken.size === names.length) return [...names];
  const seen = new Set<string>();
  return names.map((name, i) => {
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
    let unique = name === '' ? `column${i + 1}` : `${name}_1`;
    for (let k = 2; taken.has(unique); k++) unique = name === '' ? `column${i + 1}_${k}` : `${name}_${k}`;
    taken.add(unique);
    seen.add(unique);
    return unique;
  });
}
