import type { CompiledRule, ConditionNode, DataRecord, LeafNode, NormalizedRule, PushdownRules, RuleStats, Scalar } from '../types.js';
import { toBoolean, toNumber, toStringValue, toTime } from './coerce.js';

/** For sources that test values on bytes (the `@sluice/core/compile` subpath has no other entry). */
export { parseIsoTime, parsePlainDecimalBytes } from './coerce.js';
import { compileReader } from './path.js';
import { topLevelFields } from './walk.js';

/** A compiled condition. */
export type Predicate = (record: DataRecord) => boolean;

/**
 * `matches` tests at most this many leading characters of a value. Even a
 * safe pattern costs time quadratic in the input for an unanchored search
 * (`/.*x/` took 10 s on 64 KiB and 0.25 s on 8 KiB here), so the
 * tested text is capped; longer values are matched on their first 8 KiB.
 */
export const MATCH_INPUT_LIMIT = 8 * 1024;

// Converters that count what they cannot convert. Each is one function, so
// the call sites below stay monomorphic and get inlined.
function num(v: unknown, s: RuleStats): number | undefined {
  if (v === undefined || v === null) {
    s.missing++;
    return undefined;
  }
  const n = toNumber(v);
  if (n === undefined) s.unconvertible++;
  return n;
}
function time(v: unknown, s: RuleStats): number | undefined {
  if (v === undefined || v === null) {
    s.missing++;
    return undefined;
  }
  const n = toTime(v);
  if (n === undefined) s.unconvertible++;
  return n;
}
function str(v: unknown, s: RuleStats): string | undefined {
  if (v === undefined || v === null) {
    s.missing++;
    return undefined;
  }
  const x = toStringValue(v);
  if (x === undefined) s.unconvertible++;
  return x;
}
function bool(v: unknown, s: RuleStats): boolean | undefined {
  if (v === undefined || v === null) {
    s.missing++;
    return undefined;
  }
  const b = toBoolean(v);
  if (b === undefined) s.unconvertible++;
  return b;
}

function numberTest(k: string, op: LeafNode['op'], t: number, hi: number, s: RuleStats): Predicate {
  switch (op) {
    case 'greater_than':
      return (r) => { const n = num(r[k], s); return n !== undefined && n > t; };
    case 'greater_than_or_equal':
      return (r) => { const n = num(r[k], s); return n !== undefined && n >= t; };
    case 'less_than':
      return (r) => { const n = num(r[k], s); return n !== undefined && n < t; };
    case 'less_than_or_equal':
      return (r) => { const n = num(r[k], s); return n !== undefined && n <= t; };
    case 'equals':
      return (r) => num(r[k], s) === t;
    case 'not_equals':
      return (r) => { const n = num(r[k], s); return n !== undefined && n !== t; };
    case 'between':
      return (r) => { const n = num(r[k], s); return n !== undefined && n >= t && n <= hi; };
    case 'not_between':
      return (r) => { const n = num(r[k], s); return n !== undefined && (n < t || n > hi); };
    default:
      throw new Error(`operator ${op} does not take a number`);
  }
}

function timeTest(k: string, op: LeafNode['op'], t: number, hi: number, s: RuleStats): Predicate {
  switch (op) {
    case 'greater_than':
      return (r) => { const n = time(r[k], s); return n !== undefined && n > t; };
    case 'greater_than_or_equal':
      return (r) => { const n = time(r[k], s); return n !== undefined && n >= t; };
    case 'less_than':
      return (r) => { const n = time(r[k], s); return n !== undefined && n < t; };
    case 'less_than_or_equal':
      return (r) => { const n = time(r[k], s); return n !== undefined && n <= t; };
    case 'equals':
      return (r) => time(r[k], s) === t;
    case 'not_equals':
      return (r) => { const n = time(r[k], s); return n !== undefined && n !== t; };
    case 'between':
      return (r) => { const n = time(r[k], s); return n !== undefined && n >= t && n <= hi; };
    case 'not_between':
      return (r) => { const n = time(r[k], s); return n !== undefined && (n < t || n > hi); };
    default:
      throw new Error(`operator ${op} does not take a time`);
  }
}

function stringTest(k: string, op: LeafNode['op'], t: string, hi: string, s: RuleStats): Predicate {
  switch (op) {
    case 'greater_than':
      return (r) => { const x = str(r[k], s); return x !== undefined && x > t; };
    case 'greater_than_or_equal':
      return (r) => { const x = str(r[k], s); return x !== undefined && x >= t; };
    case 'less_than':
      return (r) => { const x = str(r[k], s); return x !== undefined && x < t; };
    case 'less_than_or_equal':
      return (r) => { const x = str(r[k], s); return x !== undefined && x <= t; };
    case 'equals':
      return (r) => str(r[k], s) === t;
    case 'not_equals':
      return (r) => { const x = str(r[k], s); return x !== undefined && x !== t; };
    case 'between':
      return (r) => { const x = str(r[k], s); return x !== undefined && x >= t && x <= hi; };
    case 'not_between':
      return (r) => { const x = str(r[k], s); return x !== undefined && (x < t || x > hi); };
    case 'contains':
      return (r) => { const x = str(r[k], s); return x !== undefined && x.includes(t); };
    case 'not_contains':
      return (r) => { const x = str(r[k], s); return x !== undefined && !x.includes(t); };
    case 'starts_with':
      return (r) => { const x = str(r[k], s); return x !== undefined && x.startsWith(t); };
    case 'ends_with':
      return (r) => { const x = str(r[k], s); return x !== undefined && x.endsWith(t); };
    default:
      throw new Error(`operator ${op} does not take a string`);
  }
}

function booleanTest(k: string, op: LeafNode['op'], t: boolean, s: RuleStats): Predicate {
  switch (op) {
    case 'equals':
      return (r) => bool(r[k], s) === t;
    case 'not_equals':
      return (r) => { const b = bool(r[k], s); return b !== undefined && b !== t; };
    default:
      throw new Error(`operator ${op} does not take a boolean`);
  }
}

function scalarTest(k: string, op: LeafNode['op'], low: Scalar, high: Scalar, s: RuleStats): Predicate {
  switch (low.type) {
    case 'number':
      return numberTest(k, op, low.value, high.value as number, s);
    case 'time':
      return timeTest(k, op, low.value, high.value as number, s);
    case 'string':
      return stringTest(k, op, low.value, high.value as string, s);
    case 'boolean':
      return booleanTest(k, op, low.value, s);
  }
}

/**
 * `in` / `not_in`: each listed value compares in its own type, so the record
 * value is converted once per type present. Unconvertible means: to none of
 * those types.
 */
function listTest(k: string, positive: boolean, values: readonly Scalar[], s: RuleStats): Predicate {
  const pick = <T extends Scalar['type']>(type: T) => {
    const xs = values.filter((x) => x.type === type).map((x) => x.value);
    return xs.length > 0 ? new Set(xs) : undefined;
  };
  const numbers = pick('number') as Set<number> | undefined;
  const times = pick('time') as Set<number> | undefined;
  const strings = pick('string') as Set<string> | undefined;
  const booleans = pick('boolean') as Set<boolean> | undefined;
  return (r) => {
    const v = r[k];
    if (v === undefined || v === null) {
      s.missing++;
      return false;
    }
    let convertible = false;
    if (numbers) {
      const n = toNumber(v);
      if (n !== undefined) {
        if (numbers.has(n)) return positive;
        convertible = true;
      }
    }
    if (times) {
      const n = toTime(v);
      if (n !== undefined) {
        if (times.has(n)) return positive;
        convertible = true;
      }
    }
    if (strings) {
      const x = toStringValue(v);
      if (x !== undefined) {
        if (strings.has(x)) return positive;
        convertible = true;
      }
    }
    if (booleans) {
      const b = toBoolean(v);
      if (b !== undefined) {
        if (booleans.has(b)) return positive;
        convertible = true;
      }
    }
    if (!convertible) {
      s.unconvertible++;
      return false;
    }
    return !positive;
  };
}

function patternTest(k: string, source: string, flags: string, s: RuleStats): Predicate {
  const re = new RegExp(source, flags.replace(/[gy]/g, '')); // test() must stay stateless
  return (r) => {
    const x = str(r[k], s);
    return x !== undefined && re.test(x.length > MATCH_INPUT_LIMIT ? x.slice(0, MATCH_INPUT_LIMIT) : x);
  };
}

/** The leaf's test reading its value from `record[k]`. */
function keyTest(k: string, leaf: LeafNode, s: RuleStats): Predicate {
  const { op, operand } = leaf;
  switch (operand.kind) {
    case 'none':
      return op === 'is_null' ? (r) => r[k] === undefined || r[k] === null : (r) => r[k] !== undefined && r[k] !== null;
    case 'scalar':
      return scalarTest(k, op, operand.value, operand.value, s);
    case 'range':
      return scalarTest(k, op, operand.low, operand.high, s);
    case 'list':
      return listTest(k, op === 'in', operand.values, s);
    case 'pattern':
      return patternTest(k, operand.source, operand.flags, s);
  }
}

/**
 * A top-level field is read in place, which saves a call per leaf. A
 * nested (or inherited-name) path is read first and handed over in a
 * scratch object owned by this leaf: evaluation is synchronous and never
 * re-enters a leaf, so one scratch per leaf is safe and allocates nothing.
 */
function compileLeaf(leaf: LeafNode, s: RuleStats): Predicate {
  const path = leaf.path;
  if (path.length === 1 && !(path[0]! in Object.prototype)) return keyTest(path[0]!, leaf, s);
  const read = compileReader(path);
  const scratch: DataRecord = { value: undefined };
  const test = keyTest('value', leaf, s);
  return (r) => {
    scratch.value = read(r);
    return test(scratch);
  };
}

function allOf(cs: readonly Predicate[]): Predicate {
  switch (cs.length) {
    case 0:
      return () => true;
    case 1:
      return cs[0]!;
    case 2: {
      const [a, b] = cs as [Predicate, Predicate];
      return (r) => a(r) && b(r);
    }
    case 3: {
      const [a, b, c] = cs as [Predicate, Predicate, Predicate];
      return (r) => a(r) && b(r) && c(r);
    }
    default:
      return (r) => {
        for (let i = 0; i < cs.length; i++) if (!cs[i]!(r)) return false;
        return true;
      };
  }
}

function anyOf(cs: readonly Predicate[]): Predicate {
  switch (cs.length) {
    case 0:
      return () => false;
    case 1:
      return cs[0]!;
    case 2: {
      const [a, b] = cs as [Predicate, Predicate];
      return (r) => a(r) || b(r);
    }
    case 3: {
      const [a, b, c] = cs as [Predicate, Predicate, Predicate];
      return (r) => a(r) || b(r) || c(r);
    }
    default:
      return (r) => {
        for (let i = 0; i < cs.length; i++) if (cs[i]!(r)) return true;
        return false;
      };
  }
}

/**
 * Compiles a condition tree into one predicate that counts into `stats`.
 * Semantics (the contract sources mirror):
 * - a leaf converts the value with the converter of its threshold's type
 *   (`toNumber`, `toTime`, `toStringValue`, `toBoolean` in coerce.ts);
 * - a missing or null value makes the leaf false and counts `missing`; a
 *   value that does not convert makes it false and counts `unconvertible`
 *   (one count per leaf evaluated; `is_null` / `is_not_null` never count);
 * - `not_equals`, `not_between`, `not_in`, `not_contains` are false for a
 *   missing or unconvertible value too: only a present value can differ;
 * - `not` negates its child's result, so `not: {value > 5}` holds for a
 *   record without `value`;
 * - `all` / `any` evaluate children left to right and stop early.
 */
export function compileCondition(node: ConditionNode, stats: RuleStats): Predicate {
  switch (node.kind) {
    case 'leaf':
      return compileLeaf(node, stats);
    case 'not': {
      const child = compileCondition(node.child, stats);
      return (r) => !child(r);
    }
    case 'all':
      return allOf(node.children.map((c) => compileCondition(c, stats)));
    case 'any':
      return anyOf(node.children.map((c) => compileCondition(c, stats)));
  }
}

/**
 * Compiles a normalised rule once into a plain predicate with its own
 * counters. `test` never throws for a plain-object record.
 *
 * @example
 * const hot = compileRule(normalizeRule(config, { runStartedAt, allDatasources }));
 * records.filter(hot.test);
 */
export function compileRule(rule: NormalizedRule): CompiledRule {
  const stats: RuleStats = { missing: 0, unconvertible: 0 };
  return { rule, fields: topLevelFields(rule.condition), test: compileCondition(rule.condition, stats), stats };
}

/**
 * What a source receives to drop non-candidates early: the OR of the
 * rules. `candidate` is compiled separately with throw-away counters, so a
 * source pre-filtering does not double the rules' own `stats` (the runner
 * evaluates every rule again on what the source yields).
 */
export function compilePushdown(rules: readonly CompiledRule[], runStartedAt: Date): PushdownRules {
  const scratch: RuleStats = { missing: 0, unconvertible: 0 };
  const candidate = anyOf(rules.map((r) => compileCondition(r.rule.condition, scratch)));
  const fields = [...new Set(rules.flatMap((r) => r.fields))];
  return {
    rules,
    fields,
    candidate,
    condition: { kind: 'any', children: rules.map((r) => r.rule.condition) },
    runStartedAt,
  };
}
