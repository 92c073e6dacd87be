import { Parser, type CsvError, type Options } from 'csv-parse';
import { countBreaks, skipLeadingLines, withoutTerminator } from './lines.js';
import { CsvRowError, fromCsvParseCode } from './row-errors.js';
import type { RowSink } from './rows.js';
import type { Tokenizer } from './tokenizer.js';

/** The dialect options csv-parse receives as they are. */
export interface CsvParseDialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
  readonly comment: string | undefined;
  readonly trim: boolean;
  readonly skipEmptyLines: boolean;
  readonly maxRecordSize: number;
  readonly onOversize: (line: number) => never;
}

type Push = (record: { record: string[]; raw: string }) => void;

/**
 * The synchronous core of csv-parse's stream `Parser` (the `api` property of
 * csv-parse 7, pinned exactly). Driving it directly keeps records and skipped
 * rows in input order, which line numbers depend on, without a stream hop.
 */
interface CsvParseApi {
  parse(buf: Buffer | undefined, end: boolean, push: Push, close: () => void): Error | undefined;
}

/**
 * The reference tokenizer for every dialect: csv-parse, configured to hand
 * over ragged rows (the row handler rejects them) and to skip rows with
 * quoting errors, which are reported instead.
 */
export class CsvParseTokenizer implements Tokenizer {
  private readonly api: CsvParseApi;
  /** Line number where the next raw text starts. */
  private line = 1;
  /** A row with a quoting error: csv-parse may report one row several times. */
  private pending: { raw: string; code: string | undefined; line: number } | undefined;
  private readonly push: Push = ({ record, raw }) => {
    this.flushPending();
    const start = skipLeadingLines(raw, this.dialect.comment);
    const line = this.line + countBreaks(raw, 0, start);
    this.line += countBreaks(raw, 0, raw.length);
    this.sink.fields(record, line, raw, start, withoutTerminator(raw, start));
  };

  constructor(
    private readonly sink: RowSink,
    private readonly dialect: CsvParseDialect,
  ) {
    const options: Options = {
      // decodeText already dropped the BOM; a second one is data.
      bom: false,
      delimiter: dialect.delimiter,
      quote: dialect.quote,
      escape: dialect.escape,
      trim: dialect.trim,
      skip_empty_lines: dialect.skipEmptyLines,
      relax_column_count: true,
      skip_records_with_error: true,
      raw: true,
      max_record_size: dialect.maxRecordSize,
      on_skip: (error, raw) => this.onSkip(error, raw),
    };
    if (dialect.comment !== undefined) options.comment = dialect.comment;
    const parser = new Parser(options) as Parser & { api?: CsvParseApi };
    if (typeof parser.api?.parse !== 'function') throw new Error('csv-parse: unsupported version (no synchronous api)');
    this.api = parser.api;
  }

  get nextLine(): number {
    return this.line;
  }

  write(chunk: string): void {
    const error = this.api.parse(Buffer.from(chunk, 'utf8'), false, this.push, noop);
    if (error) throw error;
  }

  end(): void {
    const error = this.api.parse(undefined, true, this.push, noop);
    if (error) throw error;
    this.flushPending();
  }

  private onSkip(error: CsvError | undefined, raw: string | undefined): undefined {
    const text = raw ?? '';
    // Thrown here, csv-parse returns it from parse(): the read fails.
    if (error?.code === 'CSV_MAX_RECORD_SIZE') this.dialect.onOversize(this.line);
    const pending = this.pending;
    // The same row again, further on: its raw text only grew.
    if (pending && text.length > pending.raw.length && text.startsWith(pending.raw)) {
      pending.raw = text;
      return undefined;
    }
    this.flushPending();
    const start = skipLeadingLines(text, this.dialect.comment);
    this.pending = { raw: text, code: error?.code, line: this.line + countBreaks(text, 0, start) };
    return undefined;
  }

  private flushPending(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.line += countBreaks(pending.raw, 0, pending.raw.length);
    const start = skipLeadingLines(pending.raw, this.dialect.comment);
    const code = fromCsvParseCode(pending.code);
    const error = code ? new CsvRowError(code) : new CsvRowError('malformed_row', `malformed row (${pending.code ?? 'unknown error'})`);
    this.sink.malformed(pending.raw.slice(start, withoutTerminator(pending.raw, start)), error, pending.line);
  }
}

function noop(): void {}
