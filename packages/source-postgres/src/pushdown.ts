import type { ConditionNode, LeafNode, Scalar } from '@sluice/core';
import { OVERFLOW, roundingInterval } from './decimal-bounds.js';
import { viewOf, type ColumnKind, type ViewType } from './sql-views.js';
import { OID } from '@sluice/pg-common';

/** What the `LIMIT 0` probe learnt about one output column. */
export interface ColumnInfo {
  readonly oid: number;
  /** The query outputs this name more than once: a WHERE could not name it. */
  readonly duplicate: boolean;
}

export interface TranslateOptions {
  readonly columns: ReadonlyMap<string, ColumnInfo>;
  /** Number of the first push-down parameter (the user's `params` come first). */
  readonly firstParam: number;
  /** String ordering is byte order only in UTF-8 databases. */
  readonly utf8: boolean;
  /** Alias of the wrapped query. */
  readonly alias: string;
}

export interface Translation {
  /** The WHERE condition, or undefined when nothing can be filtered in SQL. */
  readonly where: string | undefined;
  readonly params: readonly unknown[];
}

const KIND_BY_OID = new Map<number, ColumnKind>([
  [OID.text, 'text'],
  [OID.varchar, 'text'],
  [19, 'text'], // name
  [OID.int2, 'int'],
  [OID.int4, 'int'],
  [OID.int8, 'int8'],
  [OID.float4, 'float4'],
  [OID.float8, 'float8'],
  [OID.numeric, 'numeric'],
  [OID.bool, 'bool'],
  [OID.timestamptz, 'timestamptz'],
  [OID.timestamp, 'timestamp'],
  [OID.date, 'date'],
  [OID.json, 'json'],
  [OID.jsonb, 'json'],
]);

const CAST: Record<ViewType, string> = { number: 'float8', time: 'timestamptz', string: 'text', boolean: 'boolean' };

/** Identifiers are always quoted; a record value never becomes SQL text. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

// JS reads these on strings and arrays (`s.length`, `a.0`); jsonb paths do not.
function jsonPathSafe(segment: string): boolean {
  return /^[A-Za-z_][\w-]*$/.test(segment) && !(segment in Object.prototype) && !(segment in Array.prototype) && !(segment in String.prototype);
}

const LONE_SURROGATE = /\p{Cs}/u;

// PostgreSQL text holds no NUL and only valid UTF-16 reaches it intact.
function textParamSafe(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/** Code-unit order (JS) equals code-point order (COLLATE "C" in UTF-8) against a string free of chars ≥ U+D800. */
function orderSafe(text: string): boolean {
  return !/[\uD800-\uFFFF]/.test(text);
}

const TIME_PARAM_LOW = Date.parse('0001-01-01T00:00:00Z');
const TIME_PARAM_HIGH = Date.parse('9999-12-30T00:00:00Z');

/**
 * Translates the rules' OR-tree into a WHERE over the wrapped query
 * `SELECT * FROM (<query>) AS sluice_src`, mirroring the rule engine.
 *
 * Three-valued logic carries the uncertainty: each leaf is TRUE or FALSE
 * where SQL provably agrees with the engine, and NULL where it cannot be
 * sure (a regular expression, an odd value, an unknown column type).
 * `WHERE (…) IS NOT FALSE` keeps every row whose outcome is not certainly
 * false, which under AND, OR and NOT alike is a superset of the engine's
 * matches; the engine re-evaluates every row it receives.
 */
export function translate(node: ConditionNode, options: TranslateOptions): Translation {
  // Parameters get numbered only once the final SQL is known, since
  // simplification may drop subtrees (and their parameters) along the way.
  const values: unknown[] = [];
  const param = (value: unknown, cast: string): string => {
    values.push(value);
    return `\u0000${values.length - 1}\u0000::${cast}`;
  };

  function scalarParam(scalar: Scalar): string | undefined {
    switch (scalar.type) {
      case 'number':
        return Number.isFinite(scalar.value) ? param(String(scalar.value), 'float8') : undefined;
      case 'time':
        return scalar.value >= TIME_PARAM_LOW && scalar.value <= TIME_PARAM_HIGH
          ? param(new Date(scalar.value).toISOString(), 'timestamptz')
          : undefined;
      case 'string':
        return textParamSafe(scalar.value) ? param(scalar.value, 'text') : undefined;
      case 'boolean':
        return param(scalar.value ? 'true' : 'false', 'boolean');
    }
  }

  /** Builds a leaf over the non-null value `e` of `kind`, comparing in `type`. */
  function compareLeaf(kind: ColumnKind, e: string, type: ViewType, compare: (value: string, decimal: boolean) => string | undefined): string {
    const view = viewOf(kind, e, type);
    if (view === 'false' || view === 'NULL') return view;
    let body: string;
    if (view.value === null) body = 'false';
    else {
      const cmp = compare(view.value, view.decimal === true);
      if (cmp === undefined) return 'NULL';
      body = cmp;
    }
    if (view.guards.length === 0) return `COALESCE(${body}, false)`;
    return `CASE ${view.guards.map(([when, then]) => `WHEN ${when} THEN ${then}`).join(' ')} ELSE ${body} END`;
  }

  /**
   * `Number(n) <op> t` for an exact numeric n, as comparisons with the exact
   * bounds of the decimals that round to t. NaN and ±Infinity (and values
   * JavaScript would overflow) fail every one of them.
   */
  function decimalCompare(n: string, op: string, t: number): string | undefined {
    if (!Number.isFinite(t)) return undefined;
    const { low, high, inclusive } = roundingInterval(t);
    const lo = param(low, 'numeric');
    const hi = param(high, 'numeric');
    const ovf = (sign: '' | '-') => param(`${sign}${OVERFLOW}`, 'numeric');
    const atLeastLow = `${n} ${inclusive ? '>=' : '>'} ${lo}`;
    const atMostHigh = `${n} ${inclusive ? '<=' : '<'} ${hi}`;
    const aboveHigh = `${n} ${inclusive ? '>' : '>='} ${hi}`;
    const belowLow = `${n} ${inclusive ? '<' : '<='} ${lo}`;
    switch (op) {
      case '>':
        return `(${aboveHigh} AND ${n} < ${ovf('')})`;
      case '>=':
        return `(${atLeastLow} AND ${n} < ${ovf('')})`;
      case '<':
        return `(${belowLow} AND ${n} > ${ovf('-')})`;
      case '<=':
        return `(${atMostHigh} AND ${n} > ${ovf('-')})`;
      case '=':
        return `(${atLeastLow} AND ${atMostHigh})`;
      case '<>':
        return `((${belowLow} OR ${aboveHigh}) AND ${n} > ${ovf('-')} AND ${n} < ${ovf('')})`;
      default:
        return undefined;
    }
  }

  /** A leaf on a non-null value of a known kind. */
  function valueLeaf(kind: ColumnKind, e: string, leaf: LeafNode): string {
    const { op, operand } = leaf;
    const ordered = (sqlOp: string) => (scalar: Scalar) =>
      compareLeaf(kind, e, scalar.type, (value, decimal) => {
        if (scalar.type === 'boolean') return undefined;
        if (decimal && scalar.type === 'number') return decimalCompare(value, sqlOp, scalar.value);
        if (scalar.type === 'string' && (!options.utf8 || !orderSafe(scalar.value))) return undefined;
        const p = scalarParam(scalar);
        if (p === undefined) return undefined;
        return scalar.type === 'string' ? `(${value} COLLATE "C" ${sqlOp} ${p} COLLATE "C")` : `(${value} ${sqlOp} ${p})`;
      });
    const equality = (sqlOp: '=' | '<>') => (scalar: Scalar) =>
      compareLeaf(kind, e, scalar.type, (value, decimal) => {
        if (decimal && scalar.type === 'number') return decimalCompare(value, sqlOp, scalar.value);
        const p = scalarParam(scalar);
        return p === undefined ? undefined : `(${value} ${sqlOp} ${p})`;
      });
    const text = (build: (value: string, p: string) => string) => (scalar: Scalar) => {
      if (scalar.type === 'time') return 'NULL';
      const needle = String(scalar.value);
      if (!textParamSafe(needle)) return 'NULL';
      return compareLeaf(kind, e, 'string', (value) => build(value, param(needle, 'text')));
    };

    /** Whether the value converts to `type` at all (an exact numeric must also stay finite as a double). */
    const convertible = (type: ViewType): string =>
      compareLeaf(kind, e, type, (value, decimal) =>
        decimal ? `(${value} > ${param(`-${OVERFLOW}`, 'numeric')} AND ${value} < ${param(OVERFLOW, 'numeric')})` : 'true',
      );

    switch (operand.kind) {
      case 'scalar': {
        const s = operand.value;
        switch (op) {
          case 'greater_than':
            return ordered('>')(s);
          case 'greater_than_or_equal':
            return ordered('>=')(s);
          case 'less_than':
            return ordered('<')(s);
          case 'less_than_or_equal':
            return ordered('<=')(s);
          case 'equals':
            return equality('=')(s);
          case 'not_equals':
            return equality('<>')(s);
          case 'contains':
            return text((v, p) => `(strpos(${v}, ${p}) > 0)`)(s);
          case 'not_contains':
            return text((v, p) => `(strpos(${v}, ${p}) = 0)`)(s);
          case 'starts_with':
            return text((v, p) => `starts_with(${v}, ${p})`)(s);
          case 'ends_with':
            return text((v, p) => `(right(${v}, char_length(${p})) = ${p})`)(s);
          default:
            return 'NULL';
        }
      }
      case 'range': {
        const { low, high } = operand;
        if (low.type !== high.type || low.type === 'boolean') return 'NULL';
        if (low.type === 'string' && (!options.utf8 || !orderSafe(low.value) || !orderSafe(high.value as string))) return 'NULL';
        const collate = low.type === 'string' ? ' COLLATE "C"' : '';
        return compareLeaf(kind, e, low.type, (value, decimal) => {
          if (decimal && low.type === 'number') {
            const from = decimalCompare(value, '>=', low.value);
            const to = decimalCompare(value, '<=', high.value as number);
            if (from === undefined || to === undefined) return undefined;
            if (op === 'between') return `(${from} AND ${to})`;
            if (op !== 'not_between') return undefined;
            const under = decimalCompare(value, '<', low.value);
            const over = decimalCompare(value, '>', high.value as number);
            return under === undefined || over === undefined ? undefined : `(${under} OR ${over})`;
          }
          const lo = scalarParam(low);
          const hi = scalarParam(high);
          if (lo === undefined || hi === undefined) return undefined;
          const v = `${value}${collate}`;
          const inside = `(${v} >= ${lo}${collate} AND ${v} <= ${hi}${collate})`;
          if (op === 'between') return inside;
          if (op === 'not_between') return `(NOT ${inside})`;
          return undefined;
        });
      }
      case 'list': {
        const hit = or(operand.values.map((s) => equality('=')(s)));
        if (op === 'in') return hit;
        if (op !== 'not_in') return 'NULL';
        // The engine: false when the value equals a listed one in that one's type, or converts to none of the types.
        const types = [...new Set(operand.values.map((s) => s.type))];
        return and([not(hit), or(types.map(convertible))]);
      }
      default:
        return 'NULL';
    }
  }

  function jsonLeaf(column: string, leaf: LeafNode): string {
    const rest = leaf.path.slice(1);
    if (!rest.every(jsonPathSafe)) return 'NULL';
    const j = rest.length === 0 ? `${column}::jsonb` : `(${column}::jsonb #> ${param(rest, 'text[]')})`;
    const isNull = `(${j} IS NULL OR jsonb_typeof(${j}) = 'null')`;
    if (leaf.op === 'is_null') return isNull;
    if (leaf.op === 'is_not_null') return `(NOT ${isNull})`;
    const str = `(${j} #>> '{}')`;
    return (
      `CASE WHEN ${isNull} THEN false` +
      ` WHEN jsonb_typeof(${j}) = 'string' THEN ${valueLeaf('text', str, leaf)}` +
      ` WHEN jsonb_typeof(${j}) = 'number' THEN ${valueLeaf('json_number', j, leaf)}` +
      ` WHEN jsonb_typeof(${j}) = 'boolean' THEN ${valueLeaf('json_boolean', j, leaf)}` +
      ` ELSE ${valueLeaf('json_other', j, leaf)} END`
    );
  }

  function leafSql(leaf: LeafNode): string {
    const name = leaf.path[0] ?? leaf.field;
    const info = options.columns.get(name);
    if (!info || info.duplicate) return 'NULL';
    const kind = KIND_BY_OID.get(info.oid);
    if (!kind) return 'NULL';
    const column = `${options.alias}.${quoteIdent(name)}`;
    if (kind === 'json') return jsonLeaf(column, leaf);
    if (leaf.path.length > 1) return 'NULL';
    if (leaf.op === 'is_null') return `(${column} IS NULL)`;
    if (leaf.op === 'is_not_null') return `(${column} IS NOT NULL)`;
    const body = valueLeaf(kind, column, leaf);
    if (body === 'false' || body === 'NULL') return body === 'false' ? 'false' : `CASE WHEN ${column} IS NULL THEN false ELSE NULL END`;
    return `CASE WHEN ${column} IS NULL THEN false ELSE ${body} END`;
  }

  function walk(node: ConditionNode): string {
    switch (node.kind) {
      case 'leaf':
        return leafSql(node);
      case 'all':
        return and(node.children.map(walk));
      case 'any':
        return or(node.children.map(walk));
      case 'not':
        return not(walk(node.child));
    }
  }

  const where = walk(node);
  if (where === 'true' || where === 'NULL' || /^CASE WHEN [^ ]+ IS NULL THEN false ELSE NULL END$/.test(where)) {
    return { where: undefined, params: [] };
  }
  const params: unknown[] = [];
  const numbers = new Map<string, number>();
  const sql = where.replace(/\u0000(\d+)\u0000/g, (_, index: string) => {
    let n = numbers.get(index);
    if (n === undefined) {
      params.push(values[Number(index)]);
      n = options.firstParam + params.length - 1;
      numbers.set(index, n);
    }
    return `$${n}`;
  });
  return { where: `(${sql}) IS NOT FALSE`, params };
}

function and(parts: string[]): string {
  if (parts.includes('false')) return 'false';
  const kept = parts.filter((p) => p !== 'true');
  if (kept.length === 0) return 'true';
  return kept.length === 1 ? kept[0]! : `(${kept.join(' AND ')})`;
}

function not(part: string): string {
  if (part === 'true') return 'false';
  if (part === 'false') return 'true';
  return part === 'NULL' ? 'NULL' : `(NOT ${part})`;
}

function or(parts: string[]): string {
  if (parts.includes('true')) return 'true';
  const kept = parts.filter((p) => p !== 'false');
  if (kept.length === 0) return 'false';
  return kept.length === 1 ? kept[0]! : `(${kept.join(' OR ')})`;
}
