/**
 * How the rule engine's coercions (`toNumber`, `toTime`, `toStringValue`,
 * `toBoolean` in @sluice/core's rules/coerce.ts) look in SQL, per column kind.
 *
 * A view answers, for a non-null column value, one of: definitely
 * unconvertible (the engine's leaf is false), unknown (SQL cannot be sure
 * it agrees with JavaScript: the leaf becomes NULL and the row is kept), or
 * a value of the threshold's type to compare. Every cast in a view sits
 * behind a guard, so no row can make the query fail.
 */

/** How a column's JavaScript value looks, decided by its PostgreSQL type. */
export type ColumnKind =
  | 'text'
  | 'int' // int2/int4: JS number
  | 'int8' // JS decimal string
  | 'float4'
  | 'float8'
  | 'numeric' // JS decimal string
  | 'bool'
  | 'timestamptz' // JS Date (Infinity for ±infinity)
  | 'timestamp' // JS Date read as UTC ('infinity' strings)
  | 'date' // JS 'YYYY-MM-DD' string
  | 'json' // parsed JSON, only reached through jsonKinds below
  | 'json_number'
  | 'json_boolean'
  | 'json_other'; // objects and arrays

export type ViewType = 'number' | 'time' | 'string' | 'boolean';

/** `[condition, result]`: when the condition holds the leaf is `result` (false or NULL). */
export type Guard = readonly [condition: string, result: 'false' | 'NULL'];

export interface View {
  readonly guards: readonly Guard[];
  /** SQL of the value in the view's type; null: any value left after the guards is unconvertible. */
  readonly value: string | null;
  /**
   * The value is an exact SQL numeric (not yet rounded to a double): compare
   * it against the rounding interval of the threshold, see decimal-bounds.ts.
   */
  readonly decimal?: boolean;
}

/** The whole leaf is false (unconvertible) or unknown for every non-null value. */
export type ViewResult = View | 'false' | 'NULL';

// A loosened NUMBER_TEXT_PATTERN (core's rules/coerce.ts): any character
// outside printable ASCII stands in for JavaScript whitespace around the
// literal, so text that fails it is certainly no number.
const MAYBE_NUMBER = `'^[^!-~]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?[^!-~]*$'`;
// Plain decimal / scientific literals with ASCII blanks around; the exponent
// stays within what PostgreSQL's numeric input accepts.
const SAFE_NUMBER = `'^[ \\t\\n\\r]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]{1,3})?[ \\t\\n\\r]*$'`;
// core's TIME_TEXT_PATTERN: text failing it is certainly no time.
const MAYBE_TIME = `'^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?([Zz]|[-+][0-9]{2}(:?[0-9]{2})?)?)?$'`;
// The part of it PostgreSQL parses identically: years 1-9999, valid field ranges.
const SAFE_TIME = `'^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,9})?)?([Zz]|[-+]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$'`;
const HAS_OFFSET = `'[Tt ].*([Zz]|[-+][0-9]{2}(:?[0-9]{2})?)$'`;
const TIME_LOW = `'0001-01-01T00:00:00Z'`;
const TIME_HIGH = `'9999-12-31T00:00:00Z'`;

function textToNumber(e: string): View {
  return {
    guards: [[`${e} !~ ${MAYBE_NUMBER}`, 'false'], [`NOT (${e} ~ ${SAFE_NUMBER} AND length(${e}) <= 400)`, 'NULL']],
    value: `(${e})::numeric`,
    decimal: true,
  };
}

function textToTime(e: string): View {
  const cut = `regexp_replace(${e}, '([.][0-9]{3})[0-9]+', '\\1')`;
  return {
    guards: [
      [`${e} !~ ${MAYBE_TIME}`, 'false'],
      [`${e} !~ ${SAFE_TIME}`, 'NULL'],
      // Days past the 28th may not exist in that month; casting them would fail.
      [`substr(${e}, 9, 2)::int > 28`, 'NULL'],
    ],
    // Digits past milliseconds are cut in the text: PostgreSQL would round them, JavaScript truncates.
    value: `date_trunc('milliseconds', CASE WHEN ${e} ~ ${HAS_OFFSET} THEN ${cut}::timestamptz ELSE ${cut}::timestamp AT TIME ZONE 'UTC' END)`,
  };
}

const NON_FINITE_FLOAT = (e: string): string => `${e} IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)`;

/** The view of a non-null value `e` of kind `kind` in type `type`. */
export function viewOf(kind: ColumnKind, e: string, type: ViewType): ViewResult {
  switch (type) {
    case 'number':
      switch (kind) {
        case 'int':
          return { guards: [], value: `${e}::float8` };
        case 'int8':
          return { guards: [], value: `${e}::numeric`, decimal: true };
        case 'float8':
          return { guards: [[NON_FINITE_FLOAT(e), 'false']], value: e };
        case 'float4':
          return { guards: [[NON_FINITE_FLOAT(`${e}::float8`), 'false']], value: `${e}::text::float8` };
        case 'numeric':
          // NaN and ±Infinity fall outside every bound the comparisons use.
          return { guards: [], value: e, decimal: true };
        case 'json_number': {
          // The JavaScript value is a number or a bigint (its nearest double) unless no double is near: a fraction with
          // more digits than a double keeps, or a value out of a double's range, arrives as a JsonNumber (pg-common's
          // parseJson), which the engine cannot convert. Those are left unknown, decided by the engine.
          const n = `(${e})::numeric`;
          const inexact = `abs(${n}) >= 1e308 OR (${n} <> trunc(${n}) AND (abs(${n}) < 1e-300 OR length(${n}::text) > 16))`;
          return { guards: [[inexact, 'NULL']], value: n, decimal: true };
        }
        case 'text':
          return textToNumber(e);
        case 'json':
          return 'NULL';
        default:
          return 'false';
      }
    case 'time':
      switch (kind) {
        case 'timestamptz':
          return {
            guards: [[`NOT isfinite(${e})`, 'false'], [`${e} < ${TIME_LOW}::timestamptz OR ${e} >= ${TIME_HIGH}::timestamptz`, 'NULL']],
            value: `date_trunc('milliseconds', ${e})`,
          };
        case 'timestamp':
          return {
            guards: [[`NOT isfinite(${e})`, 'false'], [`${e} < ${TIME_LOW}::timestamp OR ${e} >= ${TIME_HIGH}::timestamp`, 'NULL']],
            value: `date_trunc('milliseconds', ${e}) AT TIME ZONE 'UTC'`,
          };
        case 'date':
          return {
            guards: [[`NOT isfinite(${e})`, 'false'], [`${e} < '0001-01-01'::date OR ${e} >= '9999-12-31'::date`, 'NULL']],
            value: `${e}::timestamp AT TIME ZONE 'UTC'`,
          };
        case 'text':
          return textToTime(e);
        case 'json':
          return 'NULL';
        default:
          return 'false';
      }
    case 'string':
      switch (kind) {
        case 'text':
          return { guards: [], value: e };
        case 'int':
        case 'int8':
        case 'numeric':
        case 'bool':
        case 'date':
        case 'json_boolean':
          return { guards: [], value: `${e}::text` };
        case 'float8':
        case 'float4': {
          // JavaScript and PostgreSQL print exponents, zero signs and huge or tiny values differently
          // (PostgreSQL switches to exponents from 1e15 for float8, from 1e6 for real).
          const huge = kind === 'float8' ? '1e15' : '1e6';
          return {
            guards: [[`${NON_FINITE_FLOAT(`${e}::float8`)} OR ${e} = 0 OR abs(${e}) >= ${huge} OR abs(${e}) < 1e-4`, 'NULL']],
            value: `${e}::text`,
          };
        }
        case 'timestamptz':
        case 'timestamp':
          // A Date is no string; ±infinity reach JS as Infinity or 'infinity', which are.
          return { guards: [[`NOT isfinite(${e})`, 'NULL']], value: null };
        case 'json_number':
        case 'json':
          return 'NULL';
        default:
          return 'false';
      }
    case 'boolean':
      switch (kind) {
        case 'bool':
          return { guards: [], value: e };
        case 'json_boolean':
          return { guards: [], value: `(${e})::boolean` };
        case 'text':
          return { guards: [[`lower(${e}) NOT IN ('true', 'false')`, 'false']], value: `(lower(${e}) = 'true')` };
        case 'json':
          return 'NULL';
        default:
          return 'false';
      }
  }
}
