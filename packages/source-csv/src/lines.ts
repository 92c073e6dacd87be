const CR = 13;
const LF = 10;

/**
 * Line breaks in `text[from, to)`: `\n`, `\r\n` and a lone `\r` each count
 * once. Both tokenizers count over the same record spans, so their line
 * numbers agree.
 */
export function countBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) count++;
    else if (c === CR && (i + 1 >= to || text.charCodeAt(i + 1) !== LF)) count++;
  }
  return count;
}

/** Index just past the first line break at or after `from`, or -1. */
function nextLineStart(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) return i + 1;
    if (c === CR) return text.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
  }
  return -1;
}

/**
 * csv-parse hands a record's raw text together with the empty (or comment)
 * lines it skipped before it. Returns where the record itself starts.
 */
export function skipLeadingLines(raw: string, comment: string | undefined): number {
  let start = 0;
  for (;;) {
    const next = nextLineStart(raw, start);
    if (next < 0 || next >= raw.length) return start;
    const line = raw.slice(start, next);
    const skippable = line.trim() === '' || (comment !== undefined && line.startsWith(comment));
    if (!skippable) return start;
    start = next;
  }
}

/** The record text without its trailing record delimiter. */
export function withoutTerminator(raw: string, from: number): number {
  let end = raw.length;
  if (end > from && raw.charCodeAt(end - 1) === LF) end--;
  if (end > from && raw.charCodeAt(end - 1) === CR) end--;
  return end;
}
