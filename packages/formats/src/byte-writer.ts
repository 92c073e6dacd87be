import { isWellFormed } from '@sluice/core';
/** ASCII whitespace as `\s` sees it: a value starting or ending with it is quoted. */
const SPACE = new Uint8Array(128);
for (const code of [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20]) SPACE[code] = 1;

/**
 * The bytes of one batch of a text format, written in place: rows never
 * exist as strings. ASCII goes byte by byte (cheaper than a call into
 * Buffer#write for short text), the rest through Buffer#write. Grows by
 * doubling; `pos` may be moved back to drop a rejected row.
 */
export class ByteWriter {
  pos = 0;
  /** False once a value with a lone surrogate was written (UTF-8 turns it into U+FFFD). */
  wellFormed = true;
  #buf: Buffer;

  constructor(capacity: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(capacity, 256));
  }

  /**
   * The buffer written into, for a caller that copies bytes itself with its
   * own cursor: it calls `reserve` first, writes below `pos + bytes`, sets
   * `pos` after, and takes `buffer` again after any call that may grow it.
   */
  get buffer(): Buffer {
    return this.#buf;
  }

  /** Room for `bytes` more bytes after `pos`. */
  reserve(bytes: number): void {
    this.#room(bytes);
  }

  #room(bytes: number): void {
    if (this.pos + bytes <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.pos + bytes));
    this.#buf.copy(grown, 0, 0, this.pos);
    this.#buf = grown;
  }

  /**
   * Writes an ASCII string value as `#quoted` would: copied, then written
   * again between quotes (inner quotes doubled) when it equals the null
   * text, holds one of `special` or starts or ends with whitespace. Writes
   * nothing and returns false at the first non-ASCII character.
   */
  csvAscii(value: string, special: Uint8Array, nullText: string): boolean {
    const n = value.length;
    this.#room(2 * n + 2);
    const buf = this.#buf;
    const start = this.pos;
    let at = start;
    let quote = value === nullText;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) return false;
      if (special[c] === 1) quote = true;
      buf[at++] = c;
    }
    if (n > 0 && (SPACE[value.charCodeAt(0)] === 1 || SPACE[value.charCodeAt(n - 1)] === 1)) quote = true;
    if (quote) {
      at = start;
      buf[at++] = 0x22;
      for (let i = 0; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c === 0x22) buf[at++] = 0x22;
        buf[at++] = c;
      }
      buf[at++] = 0x22;
    }
    this.pos = at;
    return true;
  }

  /** The delimiter: one byte when ASCII. */
  delimiter(byte: number, text: string): void {
    if (byte < 0) return this.text(text);
    this.#room(1);
    this.#buf[this.pos++] = byte;
  }

  /** `text` as UTF-8; short ASCII text byte by byte, which is cheaper than a call into Buffer#write. */
  text(text: string): void {
    const n = text.length;
    if (n === 0) return;
    this.#room(n * 3);
    if (n <= 64) {
      const buf = this.#buf;
      let at = this.pos;
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at++] = c;
      }
      if (i === n) {
        this.pos = at;
        return;
      }
    }
    this.pos += this.#buf.write(text, this.pos, 'utf8');
    if (this.wellFormed && !isWellFormed(text)) this.wellFormed = false;
  }

  bytes(): Buffer {
    return this.#buf.subarray(0, this.pos);
  }
}
