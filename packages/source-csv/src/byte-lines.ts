const QUOTE = 34;
const CR = 13;
const LF = 10;

/** A plain line: `count` fields in `starts`/`ends`, ending at `lineFeed`. */
export const PLAIN = 0;
/**
 * A line that surely ends at `lineFeed` but is not plain (empty, ragged, a
 * stray CR): the tokenizer takes just this line and decides.
 */
export const ODD_LINE = 1;
/**
 * Quotes the scanner cannot vouch for (a line break inside, malformed), a
 * bare LF in a CRLF file, or no line end before the limit: where the record
 * ends is the tokenizer's call, so it takes the rest.
 */
export const ODD_REST = 2;
export type ScanResult = typeof PLAIN | typeof ODD_LINE | typeof ODD_REST;

/**
 * Splits lines of UTF-8 bytes into field spans for the dialect the fast
 * tokenizer covers (`"` quotes, a one-byte delimiter, a known record
 * delimiter) without decoding them. A PLAIN line's spans are exactly the
 * fields the tokenizer would give: inside the quotes of a quoted field,
 * with `escaped[i]` set where `""` stands for `"`. Anything else is
 * reported odd and left to the tokenizer. Every byte is read once, most
 * with a single comparison.
 */
export class ByteLineScanner {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly escaped: Uint8Array;
  /** Fields of the last line scanned. */
  count = 0;
  /** The LF ending the last PLAIN or ODD_LINE line. */
  lineFeed = -1;
  /** Where that line's content ends: its CR in a CRLF file, else its LF. */
  contentEnd = -1;
  private readonly top: number;
  /** `(top + 1)` in every byte of a 32-bit word: a word holding a byte below it may hold a delimiter, quote or line break. */
  private readonly below: number;
  /** `buf` (the last one scanned) as 32-bit words, when it starts on a 4-byte boundary. */
  private words: Int32Array | undefined;
  private wordsOf: Buffer | undefined;

  constructor(
    private readonly delimiter: number,
    private readonly crlf: boolean,
    private readonly columns: number,
  ) {
    this.top = Math.max(delimiter, QUOTE, CR, LF);
    this.below = (this.top + 1) * 0x01010101;
    this.starts = new Int32Array(columns + 1);
    this.ends = new Int32Array(columns + 1);
    this.escaped = new Uint8Array(columns + 1);
  }

  /** Scans the line starting at `pos`, looking no further than `limit`. */
  scan(buf: Buffer, pos: number, limit: number): ScanResult {
    const D = this.delimiter;
    const top = this.top;
    const crlf = this.crlf;
    const starts = this.starts;
    const ends = this.ends;
    const escaped = this.escaped;
    const capacity = starts.length;
    if (this.wordsOf !== buf) {
      this.wordsOf = buf;
      this.words = buf.byteOffset % 4 === 0 ? new Int32Array(buf.buffer, buf.byteOffset, buf.length >> 2) : undefined;
    }
    const words = this.words;
    const below = this.below;
    let f = 0;
    let fieldStart = pos;
    /** True once field f was a quoted field (its span is set). */
    let quoted = false;
    let strayCr = false;
    let i = pos;
    for (;;) {
      // Ordinary bytes, one comparison each. Past the end of `buf` a read is undefined and stops the run.
      let c = buf[i]!;
      if (c > top && words !== undefined) {
        // Up to a word boundary byte by byte, then four bytes at a time while none of them is at or below `top`.
        while ((i & 3) !== 0 && c > top) c = buf[++i]!;
        if (c > top) {
          let k = i >> 2;
          const end = words.length;
          while (k < end) {
            const w = words[k]!;
            if (((w - below) & ~w & 0x80808080) !== 0) break;
            k++;
          }
          i = k << 2;
          c = buf[i]!;
        }
      }
      while (c > top) c = buf[++i]!;
      if (i >= limit) return ODD_REST;
      if (c === D) {
        if (!quoted && f < capacity) {
          starts[f] = fieldStart;
          ends[f] = i;
          escaped[f] = 0;
        }
        f++;
        fieldStart = i + 1;
        quoted = false;
        i++;
        continue;
      }
      if (c === QUOTE) {
        // Only a whole quoted field is plain: `"…"` from the field's start to a delimiter or the line end.
        if (i !== fieldStart) return ODD_REST;
        let doubled = 0;
        let j = i + 1;
        for (;;) {
          let d = buf[j]!;
          while (d > QUOTE) d = buf[++j]!;
          if (j >= limit) return ODD_REST;
          if (d === QUOTE) {
            if (j + 1 < limit && buf[j + 1] === QUOTE) {
              doubled = 1;
              j += 2;
              continue;
            }
            break;
          }
          if (d === LF || d === CR) return ODD_REST;
          j++;
        }
        const next = j + 1 < limit ? buf[j + 1]! : -1;
        const closesField = next === D || (crlf ? next === CR && j + 2 < limit && buf[j + 2] === LF : next === LF);
        if (!closesField) return ODD_REST;
        if (f < capacity) {
          starts[f] = i + 1;
          ends[f] = j;
          escaped[f] = doubled;
        }
        quoted = true;
        i = j + 1;
        continue;
      }
      if (c === LF) {
        // In a CRLF file a bare LF is data: the record runs on.
        if (crlf) return ODD_REST;
        return this.finish(f, fieldStart, quoted, i, i, strayCr, pos);
      }
      if (c === CR) {
        if (crlf && i + 1 < limit && buf[i + 1] === LF) return this.finish(f, fieldStart, quoted, i, i + 1, strayCr, pos);
        // An ordinary character to the tokenizer, but not on the fast path.
        strayCr = true;
      }
      i++;
    }
  }

  private finish(f: number, fieldStart: number, quoted: boolean, contentEnd: number, lineFeed: number, strayCr: boolean, pos: number): ScanResult {
    if (!quoted && f < this.starts.length) {
      this.starts[f] = fieldStart;
      this.ends[f] = contentEnd;
      this.escaped[f] = 0;
    }
    this.count = f + 1;
    this.lineFeed = lineFeed;
    this.contentEnd = contentEnd;
    return strayCr || this.count !== this.columns || contentEnd === pos ? ODD_LINE : PLAIN;
  }
}
