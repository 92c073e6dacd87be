import { countBreaks, withoutTerminator } from './lines.js';
import { CsvRowError, type RowErrorCode } from './row-errors.js';
import type { RowSink } from './rows.js';
import type { Tokenizer } from './tokenizer.js';

const QUOTE = 34;
const CR = 13;
const LF = 10;
/** Cached "next position" meaning "none before the end of the buffer". */
const NONE = Number.MAX_SAFE_INTEGER;

/** Options of the common dialect the fast tokenizer covers. */
export interface FastTokenizerOptions {
  /** One character, not a quote or line break. */
  readonly delimiter: string;
  readonly skipEmptyLines: boolean;
  readonly maxRecordSize: number;
  /** Called when a pending record grows past `maxRecordSize`. */
  readonly onOversize: (line: number) => never;
  /** Known record delimiter (a range of a file whose first line was seen); detected when absent. */
  readonly recordDelimiter?: '\n' | '\r\n';
  /** Line number of the first character (a range of a file starts past line 1). */
  readonly firstLine?: number;
}

/**
 * A CSV tokenizer for the common dialect (`"` quote and escape, one-character
 * delimiter, no comments, no trimming) that gives exactly csv-parse's rows
 * (with `relax_column_count` and `skip_records_with_error`) while working on
 * large string chunks: a line without quotes is split with `indexOf` into
 * spans, and nothing is sliced until the row handler asks for a field.
 * Quoted or odd lines go through a character loop that mirrors csv-parse.
 */
export class FastTokenizer implements Tokenizer {
  private buf = '';
  /** Line number of `buf[0]`. */
  private line = 1;
  /** The record delimiter, detected like csv-parse: the first line break outside quotes. */
  private rd = '';
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  /** 1 where a span holds doubled quotes to unescape. */
  private escaped = new Uint8Array(64);
  private readonly delimiterCode: number;

  constructor(
    private readonly sink: RowSink,
    private readonly options: FastTokenizerOptions,
  ) {
    this.delimiterCode = options.delimiter.charCodeAt(0);
    this.rd = options.recordDelimiter ?? '';
    this.line = options.firstLine ?? 1;
  }

  /** Line number of the next unread character. */
  get nextLine(): number {
    return this.line;
  }

  /** Characters held back: an incomplete record (0 when the input so far ends on a record boundary). */
  get pending(): number {
    return this.buf.length;
  }

  /**
   * Moves the line count to `line`: the caller read the lines in between
   * itself. Only between records (nothing pending).
   */
  skipTo(line: number): void {
    if (this.buf.length > 0) throw new Error('skipTo inside a record');
    this.line = line;
  }

  write(chunk: string): void {
    this.buf = this.buf.length === 0 ? chunk : this.buf + chunk;
    this.run(false);
    if (this.buf.length > this.options.maxRecordSize) this.options.onOversize(this.line);
  }

  end(): void {
    this.run(true);
  }

  private run(final: boolean): void {
    const buf = this.buf;
    const len = buf.length;
    const D = this.options.delimiter;
    const skipEmpty = this.options.skipEmptyLines;
    let pos = 0;
    // Next quote / CR / LF at or after pos; refreshed lazily.
    let nq = -1;
    let ncr = -1;
    let nlf = -1;
    let nd = -1;
    while (pos < len) {
      const rd = this.rd;
      if (rd !== '') {
        if (nq < pos) nq = indexOrNone(buf, '"', pos);
        if (ncr < pos) ncr = indexOrNone(buf, '\r', pos);
        if (nlf < pos) nlf = indexOrNone(buf, '\n', pos);
        let lineEnd: number;
        let simple: boolean;
        if (rd === '\n') {
          lineEnd = nlf;
          simple = ncr > lineEnd;
        } else if (rd === '\r\n') {
          lineEnd = ncr;
          simple = nlf === ncr + 1;
        } else {
          lineEnd = ncr;
          simple = nlf > lineEnd;
        }
        if (lineEnd === NONE) {
          if (!final) break;
          lineEnd = len;
          simple = ncr === NONE && nlf === NONE;
        } else if (rd === '\r\n' && lineEnd + 1 >= len) {
          // "\r" at the end: the "\n" may come with the next chunk.
          if (!final) break;
          simple = false;
        }
        if (simple && nq < lineEnd) {
          // Well-formed quoted fields stay spans too; anything odd goes to the character loop.
          const count = this.quotedSpans(buf, pos, lineEnd, nq);
          if (count > 0) {
            const line = this.line;
            if (lineEnd !== len) this.line++;
            this.sink.spans(buf, this.starts, this.ends, count, line, pos, lineEnd, this.escaped);
            pos = lineEnd === len ? len : lineEnd + rd.length;
            continue;
          }
        } else if (simple) {
          const next = lineEnd === len ? len : lineEnd + rd.length;
          if (lineEnd === pos) {
            if (!skipEmpty) {
              this.starts[0] = pos;
              this.ends[0] = pos;
              this.sink.spans(buf, this.starts, this.ends, 1, this.line, pos, pos, undefined);
            }
            this.line++;
            pos = next;
            continue;
          }
          let count = 0;
          let start = pos;
          for (;;) {
            if (count === this.starts.length) this.grow();
            if (nd < start) nd = indexOrNone(buf, D, start);
            this.starts[count] = start;
            if (nd >= lineEnd) {
              this.ends[count++] = lineEnd;
              break;
            }
            this.ends[count++] = nd;
            start = nd + 1;
          }
          const line = this.line;
          if (lineEnd !== len) this.line++;
          this.sink.spans(buf, this.starts, this.ends, count, line, pos, lineEnd, undefined);
          pos = next;
          continue;
        }
      }
      const next = this.general(buf, pos, final);
      if (next < 0) break;
      pos = next;
    }
    this.buf = pos >= len ? '' : buf.slice(pos);
  }

  private grow(): void {
    const starts = new Int32Array(this.starts.length * 2);
    const ends = new Int32Array(this.ends.length * 2);
    const escaped = new Uint8Array(this.escaped.length * 2);
    starts.set(this.starts);
    ends.set(this.ends);
    escaped.set(this.escaped);
    this.starts = starts;
    this.ends = ends;
    this.escaped = escaped;
  }

  /**
   * Splits a line holding quotes (`buf[pos, lineEnd)`, no stray line break
   * inside) into spans when every quote is part of a well-formed quoted
   * field (`"..."` with `""` inside, closed right before a delimiter or the
   * line end): then csv-parse's fields are exactly the spans, unescaped.
   * Returns the field count, or 0 for the character loop to handle.
   */
  private quotedSpans(buf: string, pos: number, lineEnd: number, firstQuote: number): number {
    const D = this.delimiterCode;
    const delimiter = this.options.delimiter;
    let nq = firstQuote;
    let count = 0;
    let start = pos;
    for (;;) {
      if (count === this.starts.length) this.grow();
      if (start === nq) {
        let p = start + 1;
        let escaped = 0;
        for (;;) {
          const q = buf.indexOf('"', p);
          // No closing quote on this line: an embedded line break or an unclosed quote.
          if (q === -1 || q >= lineEnd) return 0;
          if (q + 1 < lineEnd && buf.charCodeAt(q + 1) === QUOTE) {
            escaped = 1;
            p = q + 2;
            continue;
          }
          this.starts[count] = start + 1;
          this.ends[count] = q;
          this.escaped[count++] = escaped;
          if (q + 1 === lineEnd) return count;
          if (buf.charCodeAt(q + 1) !== D) return 0;
          start = q + 2;
          nq = buf.indexOf('"', start);
          if (nq === -1) nq = NONE;
          break;
        }
        continue;
      }
      let end = buf.indexOf(delimiter, start);
      if (end === -1 || end > lineEnd) end = lineEnd;
      // A quote inside an unquoted field is an error csv-parse reports.
      if (nq < end) return 0;
      this.starts[count] = start;
      this.ends[count] = end;
      this.escaped[count++] = 0;
      if (end === lineEnd) return count;
      start = end + 1;
    }
  }

  /**
   * 1 when the record delimiter starts at `p`, 0 when not, -1 when more
   * input is needed to tell. Detects the delimiter on its first sighting.
   */
  private delimiterAt(buf: string, p: number, final: boolean): number {
    const c = buf.charCodeAt(p);
    if (c !== CR && c !== LF) return 0;
    if (this.rd === '') {
      if (c === LF) this.rd = '\n';
      else if (p + 1 >= buf.length && !final) return -1;
      else this.rd = buf.charCodeAt(p + 1) === LF ? '\r\n' : '\r';
      return 1;
    }
    if (this.rd === '\r\n') {
      if (c !== CR) return 0;
      if (p + 1 >= buf.length) return final ? 0 : -1;
      return buf.charCodeAt(p + 1) === LF ? 1 : 0;
    }
    return c === this.rd.charCodeAt(0) ? 1 : 0;
  }

  /**
   * Parses one record at `start` character by character, mirroring
   * csv-parse. Returns the position after it, or -1 when it is incomplete.
   */
  private general(buf: string, start: number, final: boolean): number {
    const len = buf.length;
    const D = this.delimiterCode;
    const fields: string[] = [];
    let field = '';
    let quoting = false;
    let wasQuoting = false;
    let error: RowErrorCode | undefined;
    let p = start;
    for (;;) {
      if (p >= len) {
        if (!final) return -1;
        if (quoting) return this.finish(buf, start, len, len, fields, error ?? 'unclosed_quote');
        if (wasQuoting || fields.length > 0 || field.length > 0) {
          fields.push(field);
          return this.finish(buf, start, len, len, fields, error);
        }
        return len;
      }
      const c = buf.charCodeAt(p);
      if (quoting) {
        if (c !== QUOTE) {
          const q = buf.indexOf('"', p);
          const stop = q === -1 ? len : q;
          field += buf.slice(p, stop);
          p = stop;
          continue;
        }
        if (p + 1 >= len) {
          if (!final) return -1;
          quoting = false;
          wasQuoting = true;
          p++;
          continue;
        }
        const n = buf.charCodeAt(p + 1);
        if (n === QUOTE) {
          field += '"';
          p += 2;
          continue;
        }
        let closes = n === D || n === 0;
        if (!closes) {
          const at = this.delimiterAt(buf, p + 1, final);
          if (at < 0) return -1;
          closes = at === 1;
        }
        if (closes) {
          quoting = false;
          wasQuoting = true;
        } else {
          // csv-parse keeps the quote and stays inside the quoted field.
          error ??= 'invalid_closing_quote';
          field += '"';
        }
        p++;
        continue;
      }
      if (c === QUOTE) {
        if (field.length === 0) quoting = true;
        else {
          error ??= 'invalid_opening_quote';
          field += '"';
        }
        p++;
        continue;
      }
      if (c === CR || c === LF) {
        const at = this.delimiterAt(buf, p, final);
        if (at < 0) return -1;
        if (at === 1) {
          const end = p + this.rd.length;
          if (this.options.skipEmptyLines && !wasQuoting && fields.length === 0 && field.length === 0) {
            this.line += countBreaks(buf, start, end);
            return end;
          }
          fields.push(field);
          return this.finish(buf, start, p, end, fields, error);
        }
      }
      if (c === D) {
        fields.push(field);
        field = '';
        wasQuoting = false;
        p++;
        continue;
      }
      // A run of ordinary characters.
      let q = p + 1;
      while (q < len) {
        const k = buf.charCodeAt(q);
        if (k === D || k === QUOTE || k === CR || k === LF) break;
        q++;
      }
      field += buf.slice(p, q);
      p = q;
    }
  }

  private finish(buf: string, start: number, rawEnd: number, end: number, fields: string[], error: RowErrorCode | undefined): number {
    const line = this.line;
    this.line += countBreaks(buf, start, end);
    if (error !== undefined) {
      const raw = buf.slice(start, rawEnd);
      this.sink.malformed(raw.slice(0, withoutTerminator(raw, 0)), new CsvRowError(error), line);
    }
    else this.sink.fields(fields, line, buf, start, rawEnd);
    return end;
  }
}

function indexOrNone(buf: string, search: string, from: number): number {
  const i = buf.indexOf(search, from);
  return i === -1 ? NONE : i;
}
