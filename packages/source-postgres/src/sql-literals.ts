/**
 * COPY takes no bind parameters, so a COPY read inlines them as string
 * constants. node-postgres sends every parameter as text of unspecified type,
 * and an untyped string constant is resolved by the server from its context
 * exactly like such a parameter, so `$1` and `E'…'` mean the same.
 */

/** Thrown when a value has no safe literal form (the read falls back to the cursor). */
export class NotInlinable extends Error {}

/** pg's array literal for a parameter array (as node-postgres's `arrayString` writes it). */
function arrayText(values: readonly unknown[]): string {
  const items = values.map((value) => {
    if (value === null || value === undefined) return 'NULL';
    if (Array.isArray(value)) return arrayText(value);
    const text = scalarText(value);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw new NotInlinable(`a ${typeof value} parameter cannot be inlined`);
}

/**
 * The SQL constant for a parameter value: `NULL`, or an escape string
 * constant (`E'…'` reads the same whatever `standard_conforming_strings` is).
 */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text = Array.isArray(value) ? arrayText(value) : scalarText(value);
  if (text.includes('\u0000')) throw new NotInlinable('a parameter holds a NUL character');
  return `E'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

const isIdentChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c >= 128;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const DOLLAR_TAG = /\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

/**
 * Replaces each parameter reference `$n` in `sql` by the literal of
 * `values[n - 1]`, with a lexer that skips string constants (standard,
 * `E'…'` escape strings, dollar-quoted), quoted identifiers and comments, so
 * only real parameter references change. A `$n` beyond `values` is left
 * for the server to report. `standardStrings` is the server's
 * `standard_conforming_strings`: when off, backslashes escape in `'…'` too.
 */
export function inlineParams(sql: string, values: readonly unknown[], standardStrings = true): string {
  let out = '';
  let copied = 0;
  const len = sql.length;
  let i = 0;
  while (i < len) {
    const c = sql.charCodeAt(i);
    if (c === 39 /* ' */) {
      const prev = i > 0 ? sql.charCodeAt(i - 1) : 0;
      const escapes = !standardStrings || ((prev === 69 || prev === 101) && (i < 2 || !isIdentChar(sql.charCodeAt(i - 2))));
      i = skipQuoted(sql, i + 1, 39, escapes);
    } else if (c === 34 /* " */) {
      i = skipQuoted(sql, i + 1, 34, false);
    } else if (c === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? len : end + 1;
    } else if (c === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      i = skipBlockComment(sql, i + 2);
    } else if (c === 36 /* $ */) {
      if (isDigit(sql.charCodeAt(i + 1))) {
        let end = i + 1;
        while (end < len && isDigit(sql.charCodeAt(end))) end++;
        const n = Number(sql.slice(i + 1, end));
        if (n >= 1 && n <= values.length) {
          out += sql.slice(copied, i) + literal(values[n - 1]);
          copied = end;
        }
        i = end;
      } else {
        DOLLAR_TAG.lastIndex = i;
        const tag = DOLLAR_TAG.exec(sql);
        if (tag) {
          const close = sql.indexOf(tag[0], i + tag[0].length);
          if (close < 0) throw new NotInlinable('unterminated dollar-quoted string');
          i = close + tag[0].length;
        } else i++;
      }
    } else if (isIdentChar(c)) {
      // A whole word, so `$` inside an identifier (`a$1`) is never read as a parameter.
      while (i < len && isIdentChar(sql.charCodeAt(i))) i++;
    } else i++;
  }
  return out + sql.slice(copied);
}

function skipQuoted(sql: string, i: number, quote: number, escapes: boolean): number {
  const len = sql.length;
  while (i < len) {
    const c = sql.charCodeAt(i);
    if (escapes && c === 92) i += 2;
    else if (c === quote) {
      if (sql.charCodeAt(i + 1) === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  throw new NotInlinable('unterminated quoted string or identifier');
}

function skipBlockComment(sql: string, i: number): number {
  let depth = 1;
  const len = sql.length;
  while (i < len) {
    if (sql.charCodeAt(i) === 47 && sql.charCodeAt(i + 1) === 42) {
      depth++;
      i += 2;
    } else if (sql.charCodeAt(i) === 42 && sql.charCodeAt(i + 1) === 47) {
      if (--depth === 0) return i + 2;
      i += 2;
    } else i++;
  }
  throw new NotInlinable('unterminated comment');
}
