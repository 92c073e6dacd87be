import type { DataRecord } from '@sluice/core';

const TEXTS = [
  'plain',
  'héllo wörld ✓ 🚀 日本語',
  'say "hi"',
  'a,b,c',
  'line1\nline2',
  '',
  ' padded ',
  'tab\tseparated',
  "it's; semi",
  'crlf\r\nend',
  '{"looks":"like json"}',
  'null',
] as const;
const INTS = [42, 0, -7, 1500, 2_147_483_648, -1, 1, 999_999, -2_147_483_648, 7, 1000, 3];
const FLOATS = [3.14, -0.5, 0.1, 1250.75, 1e-7, -273.15, 12_345_678.9, 0.333, 2.5, -1e6 + 0.25, 1000.5, 99.99];

/**
 * Twelve records with the same fields, chosen to break naive encoders and
 * drivers: ints (zero, negative, beyond 32 bits), floats, strings with
 * unicode, quotes, commas, newlines, CRLF, tabs, surrounding spaces, the
 * empty string and the text "null", booleans, nulls, Dates (millisecond
 * precision, UTC) and a nested object (`nested`, null in one record).
 * `id` is unique (1..12), so targets can order-insensitively match rows.
 * The first record has no null so type inference sees every column.
 */
export const conformanceRecords: readonly DataRecord[] = Object.freeze(
  TEXTS.map((text, i) =>
    Object.freeze({
      id: i + 1,
      int_value: INTS[i]!,
      float_value: FLOATS[i]!,
      text,
      flag: i % 3 !== 1,
      maybe_null: i % 2 === 0 ? `present-${i + 1}` : null,
      created_at: new Date(Date.UTC(2024, 0, 1 + i, i, 30, 15, 123 * i)),
      nested: i === 5 ? null : { level: i, tags: ['x', `t${i}`], deep: { ok: i % 2 === 0, label: `n"${i}",\n` } },
    }),
  ),
);

/** {@link conformanceRecords} without the nested object, for targets with flat rows (CSV, SQL tables, hashes). */
export const flatConformanceRecords: readonly DataRecord[] = Object.freeze(
  conformanceRecords.map(({ nested: _nested, ...flat }) => Object.freeze(flat)),
);
