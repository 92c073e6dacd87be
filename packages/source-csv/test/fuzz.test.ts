import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParseTokenizer } from '../src/csv-parse-tokenizer.js';
import { decodeText } from '../src/decode.js';
import { FastTokenizer } from '../src/fast-tokenizer.js';
import type { CsvRowError } from '../src/row-errors.js';
import type { RowSink } from '../src/rows.js';
import type { Tokenizer } from '../src/tokenizer.js';

interface Recorded {
  rows: { fields: string[]; line: number; raw: string }[];
  malformed: { code: string; line: number }[];
}

function recorder(): { sink: RowSink; out: Recorded } {
  const out: Recorded = { rows: [], malformed: [] };
  const sink: RowSink = {
    fields(fields, line, text, rawStart, rawEnd) {
      out.rows.push({ fields: [...fields], line, raw: text.slice(rawStart, rawEnd) });
    },
    spans(text, starts, ends, count, line, rawStart, rawEnd, escaped) {
      const fields: string[] = [];
      for (let i = 0; i < count; i++) {
        const value = text.slice(starts[i]!, ends[i]!);
        fields.push(escaped?.[i] === 1 ? value.replaceAll('""', '"') : value);
      }
      out.rows.push({ fields, line, raw: text.slice(rawStart, rawEnd) });
    },
    malformed(_raw, error: CsvRowError, line) {
      out.malformed.push({ code: error.code, line });
    },
  };
  return { sink, out };
}

const oversize = (): never => {
  throw new Error('oversize');
};

/** Splits bytes at the given cut sizes (cycled), so chunk edges land anywhere, mid-character too. */
function* chunked(bytes: Buffer, sizes: readonly number[]): Generator<Buffer> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function tokenize(make: (sink: RowSink) => Tokenizer, bytes: Buffer, sizes: readonly number[]): Promise<Recorded> {
  const { sink, out } = recorder();
  const tokenizer = make(sink);
  async function* source() {
    yield* chunked(bytes, sizes);
  }
  for await (const text of decodeText(source(), 'utf8')) tokenizer.write(text);
  tokenizer.end();
  return out;
}

const fast = (delimiter: string, skipEmptyLines: boolean) => (sink: RowSink) =>
  new FastTokenizer(sink, { delimiter, skipEmptyLines, maxRecordSize: 1 << 20, onOversize: oversize });
const reference = (delimiter: string, skipEmptyLines: boolean) => (sink: RowSink) =>
  new CsvParseTokenizer(sink, {
    delimiter,
    quote: '"',
    escape: '"',
    comment: undefined,
    trim: false,
    skipEmptyLines,
    maxRecordSize: 1 << 20,
    onOversize: oversize,
  });

const text = fc.string({ unit: 'binary', maxLength: 6 });
const nasty = fc.constantFrom('', ' ', 'é', '😀', '𝄞x', '\u2028', '\t', 'a', 'Zürich', '1500.50');
/** A field that needs quoting, quoted right. */
const quotedField = fc
  .array(fc.oneof(text, nasty, fc.constantFrom(',', ';', '"', '\n', '\r\n', '\r', '""')), { maxLength: 4 })
  .map((parts) => `"${parts.join('').replace(/"/g, '""')}"`);
const plainField = fc.oneof(nasty, text.map((t) => t.replace(/[",;\r\n]/g, '')));
const lineEnd = fc.constantFrom('\n', '\r\n', '\r');

/** Well-formed CSV (ragged rows and empty lines allowed): one line-end style. */
const wellFormed = fc
  .record({
    rows: fc.array(fc.array(fc.oneof(plainField, quotedField), { minLength: 0, maxLength: 5 }), { maxLength: 8 }),
    eol: lineEnd,
    bom: fc.boolean(),
    trailing: fc.boolean(),
  })
  .map(({ rows, eol, bom, trailing }) => (bom ? '\uFEFF' : '') + rows.map((r) => r.join(',')).join(eol) + (trailing ? eol : ''));

/** Token soup: stray quotes, mixed line ends, NULs. Mostly malformed. */
const soup = fc
  .array(fc.oneof(fc.constantFrom(',', '"', '""', '\n', '\r', '\r\n', '\0', '\uFEFF', 'a', 'é', '😀', ' '), text), { maxLength: 30 })
  .map((tokens) => tokens.join(''));

/** More runs on demand: `FUZZ_RUNS=20000 npx vitest run test/fuzz.test.ts`. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);

const cuts = fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 });

/** csv-parse itself, on the whole input: the records it accepts. */
function csvParseRows(bytes: Buffer, skipEmptyLines: boolean): string[][] {
  return parse(bytes, { bom: true, relax_column_count: true, skip_records_with_error: true, skip_empty_lines: skipEmptyLines }) as string[][];
}

describe('fast tokenizer vs csv-parse (differential)', () => {
  it('well-formed input: identical rows, line numbers and rejects, in any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(wellFormed, cuts, fc.boolean(), async (input, sizes, skipEmpty) => {
        const bytes = Buffer.from(input, 'utf8');
        const expected = await tokenize(reference(',', skipEmpty), bytes, [1 << 16]);
        const actual = await tokenize(fast(',', skipEmpty), bytes, sizes);
        expect(actual.rows.map((r) => r.fields)).toEqual(csvParseRows(bytes, skipEmpty));
        expect(actual).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it('malformed input: identical rows and the same rows rejected, in any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(soup, cuts, fc.boolean(), async (input, sizes, skipEmpty) => {
        const bytes = Buffer.from(input, 'utf8');
        const expected = await tokenize(reference(',', skipEmpty), bytes, [1 << 16]);
        const actual = await tokenize(fast(',', skipEmpty), bytes, sizes);
        expect(actual.rows.map((r) => r.fields)).toEqual(csvParseRows(bytes, skipEmpty));
        expect(actual.rows.map((r) => r.fields)).toEqual(expected.rows.map((r) => r.fields));
        expect(actual.malformed.map((m) => m.code)).toEqual(expected.malformed.map((m) => m.code));
      }),
      { numRuns: RUNS * 1.5 },
    );
  });

  it('another delimiter (;), chunked one byte at a time', async () => {
    await fc.assert(
      fc.asyncProperty(wellFormed, async (input) => {
        const semi = input.replace(/,/g, ';');
        const bytes = Buffer.from(semi, 'utf8');
        const actual = await tokenize(fast(';', true), bytes, [1]);
        const expected = await tokenize(reference(';', true), bytes, [1 << 16]);
        expect(actual).toEqual(expected);
      }),
      { numRuns: RUNS / 2 },
    );
  });
});
