import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteLineScanner, ODD_LINE, ODD_REST, PLAIN } from '../src/byte-lines.js';
import { FastTokenizer } from '../src/fast-tokenizer.js';
import type { CsvRowError } from '../src/row-errors.js';
import type { RowSink } from '../src/rows.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const COLUMNS = 3;

type Row = { fields: string[]; line: number } | { malformed: string; line: number };

function sink(out: Row[]): RowSink {
  return {
    fields(fields, line) {
      out.push({ fields: [...fields], line });
    },
    spans(text, starts, ends, count, line, _rawStart, _rawEnd, escaped) {
      const fields: string[] = [];
      for (let i = 0; i < count; i++) {
        const value = text.slice(starts[i]!, ends[i]!);
        fields.push(escaped?.[i] === 1 ? value.replaceAll('""', '"') : value);
      }
      out.push({ fields, line });
    },
    malformed(_raw, error: CsvRowError, line) {
      out.push({ malformed: error.code, line });
    },
  };
}

function tokenizer(out: Row[], eol: '\n' | '\r\n'): FastTokenizer {
  return new FastTokenizer(sink(out), {
    delimiter: ',',
    skipEmptyLines: false,
    maxRecordSize: 1 << 20,
    recordDelimiter: eol,
    onOversize: () => {
      throw new Error('oversize');
    },
  });
}

/** The worker's way: plain lines from the scanner, odd ones through the tokenizer. */
function scanned(bytes: Buffer, eol: '\n' | '\r\n'): Row[] {
  const out: Row[] = [];
  const scanner = new ByteLineScanner(44, eol === '\r\n', COLUMNS);
  const text = tokenizer(out, eol);
  let line = 1;
  let pos = 0;
  while (pos < bytes.length) {
    const kind = scanner.scan(bytes, pos, bytes.length);
    if (kind === PLAIN) {
      expect(scanner.count).toBe(COLUMNS);
      const fields: string[] = [];
      for (let i = 0; i < scanner.count; i++) {
        const value = bytes.toString('utf8', scanner.starts[i]!, scanner.ends[i]!);
        fields.push(scanner.escaped[i] === 1 ? value.replaceAll('""', '"') : value);
      }
      out.push({ fields, line: line++ });
      pos = scanner.lineFeed + 1;
    } else if (kind === ODD_LINE) {
      text.skipTo(line);
      text.write(bytes.toString('utf8', pos, scanner.lineFeed + 1));
      // The line was a whole record (or several lines' worth of breaks, counted by the tokenizer).
      expect(text.pending).toBe(0);
      line = text.nextLine;
      pos = scanner.lineFeed + 1;
    } else {
      expect(kind).toBe(ODD_REST);
      text.skipTo(line);
      text.write(bytes.toString('utf8', pos));
      break;
    }
  }
  text.end();
  return out;
}

function whole(bytes: Buffer, eol: '\n' | '\r\n'): Row[] {
  const out: Row[] = [];
  const text = tokenizer(out, eol);
  text.write(bytes.toString('utf8'));
  text.end();
  return out;
}

const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'bc', '1500.50', 'é', '😀', ' ', '', 'x y') },
  // Runs long enough for the scanner's four-bytes-at-a-time skip.
  { weight: 2, arbitrary: fc.constantFrom('2026-11-01T00:00:01.000Z', 'abcdefghijklmnop', 's-4484-us-west', 'aaaaaaa"b', 'aaaaaaaaaa\raaaa', 'éééééééé') },
  { weight: 2, arbitrary: fc.constantFrom('"q"', '"a, b"', '"say ""hi"""', '""', '"é"') },
  { weight: 1, arbitrary: fc.constantFrom('"', 'a"b', '"open', '"x"y', '\r', '"a\nb"', '"a\r\nb"', '\0', '"x" ') },
);
const line = fc.array(piece, { minLength: 0, maxLength: 5 }).map((fields) => fields.join(','));
const input = fc
  .record({ lines: fc.array(line, { maxLength: 12 }), eol: fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n'), stray: fc.boolean(), trailing: fc.boolean(), shift: fc.nat(3) })
  .map(({ lines, eol, stray, trailing, shift }) => {
    // Now and then the other line end inside a CRLF file (a bare LF) or a LF file (a CR).
    const text = lines.map((l, i) => (stray && i % 4 === 3 ? `${l}${eol === '\n' ? '\r' : '\n'}` : l)).join(eol) + (trailing ? eol : '');
    // The bytes at every offset from a 4-byte boundary: the scanner reads aligned buffers a word at a time.
    const encoded = Buffer.from(text, 'utf8');
    const bytes = Buffer.from(new ArrayBuffer(encoded.length + shift), shift, encoded.length);
    encoded.copy(bytes);
    return { bytes, eol };
  });

describe('byte line scanner vs the fast tokenizer (differential)', () => {
  it('plain lines give the tokenizer fields; odd ones leave it the same records, rejects and line numbers', () => {
    let plain = 0;
    fc.assert(
      fc.property(input, ({ bytes, eol }) => {
        const got = scanned(bytes, eol);
        expect(got).toEqual(whole(bytes, eol));
        plain += got.filter((row) => 'fields' in row && row.fields.length === COLUMNS).length;
      }),
      { numRuns: RUNS },
    );
    expect(plain).toBeGreaterThan(RUNS / 4);
  });

  it('splits a plain line with quoted fields into spans inside the quotes', () => {
    const bytes = Buffer.from('1,"a, ""b""",c\n');
    const scanner = new ByteLineScanner(44, false, 3);
    expect(scanner.scan(bytes, 0, bytes.length)).toBe(PLAIN);
    expect([...scanner.starts.subarray(0, 3)]).toEqual([0, 3, 13]);
    expect([...scanner.ends.subarray(0, 3)]).toEqual([1, 11, 14]);
    expect([...scanner.escaped.subarray(0, 3)]).toEqual([0, 1, 0]);
    expect(scanner.lineFeed).toBe(14);
  });

  it('leaves ragged, empty and unfinished lines to the tokenizer', () => {
    const scanner = new ByteLineScanner(44, false, 3);
    const scan = (text: string) => scanner.scan(Buffer.from(text), 0, Buffer.byteLength(text));
    expect(scan('1,2\n')).toBe(ODD_LINE);
    expect(scan('\n')).toBe(ODD_LINE);
    expect(scan('1,2,3,4\n')).toBe(ODD_LINE);
    expect(scan('1,2,3')).toBe(ODD_REST);
    expect(scan('1,"2\n3",4\n')).toBe(ODD_REST);
    expect(scan('1,2"x,3\n')).toBe(ODD_REST);
  });
});
