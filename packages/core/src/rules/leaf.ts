import type { LeafNode, LeafOperand, Operator, Scalar, ValueType } from '../types.js';
import { ORDERING_OPERATORS, STRING_OPERATORS, operandKind, resolveOperator } from './operators.js';
import { parseIsoTime, toNumber } from './coerce.js';
import { checkPattern } from './regex-safety.js';
import { compareScalars, typeScalar, type RawScalar } from './scalar.js';

/** Most values an `in` / `not_in` list may hold. */
export const MAX_LIST_LENGTH = 100_000;

/** A leaf as written: `{field, type | operator, value?, value_type?, flags?}` or the seed's `threshold_*`. */
export interface LeafSpec {
  readonly field: string;
  readonly op: string;
  /** `undefined` when the key is absent. */
  readonly value?: unknown;
  readonly valueType?: ValueType | undefined;
  readonly flags?: string | undefined;
}

/** What is wrong with a leaf, and which of its keys says so. */
export interface LeafProblem {
  readonly key: 'op' | 'value' | 'value_type' | 'flags';
  /** Index inside a `value` list, when one element is at fault. */
  readonly index?: number;
  readonly message: string;
}

function isRaw(v: unknown): v is RawScalar {
  return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

/**
 * Validates and types one leaf. Shared by the schema (which reports the
 * problems with their paths) and normalisation (which never sees invalid
 * input), so both agree by construction.
 */
export function buildLeaf(spec: LeafSpec): { readonly leaf: LeafNode } | { readonly problems: readonly LeafProblem[] } {
  const op = resolveOperator(spec.op);
  if (!op) return { problems: [{ key: 'op', message: `unknown operator "${spec.op}"` }] };
  const problems: LeafProblem[] = [];
  const operand = buildOperand(op, spec, problems);
  if (problems.length > 0 || !operand) return { problems };
  return { leaf: { kind: 'leaf', field: spec.field, path: spec.field.split('.'), op, operand } };
}

function buildOperand(op: Operator, spec: LeafSpec, problems: LeafProblem[]): LeafOperand | undefined {
  const kind = operandKind(op);
  const { value, valueType, flags } = spec;
  if (flags !== undefined && kind !== 'pattern') problems.push({ key: 'flags', message: `flags only apply to "matches", not "${op}"` });

  if (kind === 'none') {
    if (value !== undefined) problems.push({ key: 'value', message: `"${op}" takes no value` });
    if (valueType !== undefined) problems.push({ key: 'value_type', message: `"${op}" takes no value_type` });
    return problems.length ? undefined : { kind: 'none' };
  }
  if (value === undefined) {
    const shape = kind === 'range' ? 'a [low, high] pair' : kind === 'list' ? 'a list of values' : kind === 'pattern' ? 'a regular expression' : 'a value';
    problems.push({ key: 'value', message: `"${op}" needs ${shape}` });
    return undefined;
  }

  if (kind === 'pattern') {
    if (typeof value !== 'string') return void problems.push({ key: 'value', message: `"matches" needs a regular expression string` });
    if (valueType !== undefined) problems.push({ key: 'value_type', message: `"matches" always compares text; remove value_type` });
    const issue = checkPattern(value, flags ?? '');
    if (issue) problems.push({ key: issue.includes('flag') ? 'flags' : 'value', message: issue });
    return problems.length ? undefined : { kind: 'pattern', source: value, flags: flags ?? '' };
  }

  if (STRING_OPERATORS.has(op) && valueType !== undefined && valueType !== 'string') {
    problems.push({ key: 'value_type', message: `"${op}" compares text; value_type must be string or absent` });
    return undefined;
  }
  // An ordering of numeric text ("1000.50", a `${LIMIT}`) as text would put "999" above it: ordered, such a threshold is a
  // number (a range's bounds only when both are numeric, so ["10", "a"] stays a range of text).
  const numeric = (raw: unknown): boolean =>
    typeof raw === 'number' || (typeof raw === 'string' && toNumber(raw) !== undefined && parseIsoTime(raw) === undefined);
  const ordered = ORDERING_OPERATORS.has(op) || (kind === 'range' && Array.isArray(value) && value.every(numeric));
  const orderedAs = (raw: RawScalar): ValueType | undefined => (ordered && typeof raw === 'string' && numeric(raw) ? 'number' : undefined);
  const typeOne = (raw: unknown, index?: number): Scalar | undefined => {
    const at = index === undefined ? {} : { index };
    if (!isRaw(raw)) {
      problems.push({ key: 'value', ...at, message: `expected a number, string or boolean, got ${Array.isArray(raw) ? 'a list' : raw === null ? 'null' : typeof raw}` });
      return undefined;
    }
    const typed = typeScalar(raw, STRING_OPERATORS.has(op) ? 'string' : (valueType ?? orderedAs(raw)));
    if ('error' in typed) {
      problems.push({ key: 'value', ...at, message: typed.error });
      return undefined;
    }
    return typed;
  };

  if (kind === 'scalar') {
    if (Array.isArray(value)) {
      problems.push({ key: 'value', message: `"${op}" needs a single value, not a list (did you mean "in"?)` });
      return undefined;
    }
    const scalar = typeOne(value);
    if (!scalar) return undefined;
    if (ORDERING_OPERATORS.has(op) && scalar.type === 'boolean') {
      problems.push({ key: 'value', message: `"${op}" needs a number, time or string, not a boolean` });
      return undefined;
    }
    return { kind: 'scalar', value: scalar };
  }

  if (kind === 'range') {
    if (!Array.isArray(value) || value.length !== 2) {
      problems.push({ key: 'value', message: `"${op}" needs a [low, high] pair` });
      return undefined;
    }
    const low = typeOne(value[0], 0);
    const high = typeOne(value[1], 1);
    if (!low || !high) return undefined;
    if (low.type !== high.type) {
      problems.push({ key: 'value', message: `"${op}" bounds must have the same type (got ${low.type} and ${high.type}); set value_type to force one` });
      return undefined;
    }
    if (low.type === 'boolean') {
      problems.push({ key: 'value', message: `"${op}" needs number, time or string bounds, not booleans` });
      return undefined;
    }
    if (compareScalars(low, high) > 0) {
      problems.push({ key: 'value', message: `"${op}" bounds are reversed: low ${JSON.stringify(value[0])} is greater than high ${JSON.stringify(value[1])}` });
      return undefined;
    }
    return { kind: 'range', low, high };
  }

  // list
  if (!Array.isArray(value) || value.length === 0) {
    problems.push({ key: 'value', message: `"${op}" needs a non-empty list of values` });
    return undefined;
  }
  if (value.length > MAX_LIST_LENGTH) {
    problems.push({ key: 'value', message: `"${op}" lists at most ${MAX_LIST_LENGTH} values` });
    return undefined;
  }
  const values: Scalar[] = [];
  value.forEach((raw: unknown, i) => {
    const s = typeOne(raw, i);
    if (s) values.push(s);
  });
  return problems.length ? undefined : { kind: 'list', values };
}
