import type { ConditionNode, DataRecord, LeafNode, RuleStats } from '@sluice/core';

/** The row cannot match any rule: it is skipped without being decoded. */
export const NO = 0;
/** The row matches (it still goes through the exact push-down). */
export const YES = 1;
/** Not decided on bytes: the row goes through the exact push-down. */
export const MAYBE = 2;
type Verdict = typeof NO | typeof YES | typeof MAYBE;

/**
 * A condition evaluated on one row's raw bytes: field `i` is
 * `buf[starts[i], ends[i])`, with doubled quotes inside when `escaped[i]`
 * is 1.
 */
export type ByteTest = (buf: Buffer, starts: Int32Array, ends: Int32Array, escaped: Uint8Array) => Verdict;

/**
 * What the filter takes from core's rule engine (`@sluice/core/compile` in a
 * worker): its leaf compiler, for fields decoded as text, and its plain
 * decimal parser on bytes.
 */
export interface ByteFilterEngine {
  compileCondition(node: ConditionNode, stats: RuleStats): (record: DataRecord) => boolean;
  parsePlainDecimalBytes(bytes: Uint8Array, start: number, end: number): number;
}

type Compiled = ByteTest | Verdict;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Compiles the push-down condition (the OR of the rules reading a CSV
 * datasource) into a test on a row's bytes that never says NO for a row the
 * engine could match: numbers in plain decimal form and string (in)equality
 * are decided on the bytes with the engine's own semantics; every other leaf
 * decodes its field and runs the engine's compiled leaf on it; a field with
 * doubled quotes, or a path into nested values, is MAYBE. Undefined when the
 * test could never say NO (nothing to gain over the text path).
 *
 * `columns` are the record's keys in order, all distinct, every value a
 * string (no declared types).
 */
export function compileByteFilter(condition: ConditionNode, columns: readonly string[], engine: ByteFilterEngine): ByteTest | undefined {
  const index = new Map(columns.map((name, i) => [name, i]));
  const compiled = compileNode(condition, index, engine);
  if (typeof compiled === 'function') return compiled;
  return compiled === NO ? () => NO : undefined;
}

function compileNode(node: ConditionNode, index: ReadonlyMap<string, number>, engine: ByteFilterEngine): Compiled {
  switch (node.kind) {
    case 'leaf':
      return compileLeaf(node, index, engine);
    case 'not': {
      const child = compileNode(node.child, index, engine);
      if (typeof child !== 'function') return flip(child);
      return (b, s, e, x) => flip(child(b, s, e, x));
    }
    case 'all':
      return combine(node.children.map((c) => compileNode(c, index, engine)), NO, YES);
    case 'any':
      return combine(node.children.map((c) => compileNode(c, index, engine)), YES, NO);
  }
}

function flip(v: Verdict): Verdict {
  return v === MAYBE ? MAYBE : v === YES ? NO : YES;
}

/**
 * `all` (decisive NO, neutral YES) or `any` (decisive YES, neutral NO):
 * the decisive verdict wins; otherwise MAYBE if any child is MAYBE, else the
 * neutral one.
 */
function combine(children: readonly Compiled[], decisive: Verdict, neutral: Verdict): Compiled {
  if (children.includes(decisive)) return decisive;
  const floor: Verdict = children.includes(MAYBE) ? MAYBE : neutral;
  const tests = children.filter((c): c is ByteTest => typeof c === 'function');
  if (tests.length === 0) return floor;
  if (tests.length === 1 && floor === neutral) return tests[0]!;
  if (tests.length === 2) {
    const [a, b] = tests as [ByteTest, ByteTest];
    return (buf, s, e, x) => {
      const va = a(buf, s, e, x);
      if (va === decisive) return decisive;
      const vb = b(buf, s, e, x);
      if (vb === decisive) return decisive;
      return va === MAYBE || vb === MAYBE ? MAYBE : floor;
    };
  }
  return (buf, s, e, x) => {
    let verdict = floor;
    for (let i = 0; i < tests.length; i++) {
      const v = tests[i]!(buf, s, e, x);
      if (v === decisive) return decisive;
      if (v === MAYBE) verdict = MAYBE;
    }
    return verdict;
  };
}

function compileLeaf(leaf: LeafNode, index: ReadonlyMap<string, number>, engine: ByteFilterEngine): Compiled {
  const { compileCondition } = engine;
  const stats: RuleStats = { missing: 0, unconvertible: 0 };
  // A nested path, or a name the engine reads through a getter: decided later, on the record.
  if (leaf.path.length !== 1 || leaf.path[0]! in Object.prototype) return MAYBE;
  const name = leaf.path[0]!;
  const column = index.get(name);
  // Not a column: the engine sees a missing value, the same on every row.
  if (column === undefined) return compileCondition(leaf, stats)({}) ? YES : NO;
  const { op, operand } = leaf;
  if (operand.kind === 'none') return op === 'is_null' ? NO : YES; // a CSV value is never null
  if (operand.kind === 'scalar' && operand.value.type === 'number') return numberLeaf(engine, column, op, operand.value.value, operand.value.value);
  if (operand.kind === 'range' && operand.low.type === 'number') return numberLeaf(engine, column, op, operand.low.value, operand.high.value as number);
  if (operand.kind === 'scalar' && operand.value.type === 'string' && (op === 'equals' || op === 'not_equals')) {
    return equalsLeaf(column, op === 'equals', operand.value.value);
  }
  // Everything else: the field as text (as the tokenizer would decode it) through the engine's leaf.
  const test = compileCondition(leaf, stats);
  const scratch: DataRecord = { [name]: undefined };
  return (buf, s, e, x) => {
    if (x[column] === 1) return MAYBE;
    scratch[name] = buf.toString('utf8', s[column]!, e[column]!);
    return test(scratch) ? YES : NO;
  };
}

function numberLeaf({ parsePlainDecimalBytes }: ByteFilterEngine, column: number, op: LeafNode['op'], t: number, hi: number): Compiled {
  let compare: (n: number) => boolean;
  switch (op) {
    case 'greater_than':
      compare = (n) => n > t;
      break;
    case 'greater_than_or_equal':
      compare = (n) => n >= t;
      break;
    case 'less_than':
      compare = (n) => n < t;
      break;
    case 'less_than_or_equal':
      compare = (n) => n <= t;
      break;
    case 'equals':
      compare = (n) => n === t;
      break;
    case 'not_equals':
      compare = (n) => n !== t;
      break;
    case 'between':
      compare = (n) => n >= t && n <= hi;
      break;
    case 'not_between':
      compare = (n) => n < t || n > hi;
      break;
    default:
      return MAYBE;
  }
  return (buf, s, e, x) => {
    if (x[column] === 1) return MAYBE;
    const n = parsePlainDecimalBytes(buf, s[column]!, e[column]!);
    // Not plain decimal text: blank, exponent, whitespace, or not a number at all.
    if (n !== n) return MAYBE;
    return compare(n) ? YES : NO;
  };
}

/**
 * String (in)equality on bytes. Decoded text never holds a lone surrogate,
 * so a threshold with one equals no value. Otherwise equal bytes mean equal
 * text, and different bytes different text unless the threshold holds
 * U+FFFD (what undecodable bytes turn into): then a mismatch is MAYBE.
 */
function equalsLeaf(column: number, positive: boolean, t: string): Compiled {
  if (LONE_SURROGATE.test(t)) return positive ? NO : YES;
  const bytes = Buffer.from(t, 'utf8');
  const length = bytes.length;
  const mismatch: Verdict = t.includes('\uFFFD') ? MAYBE : positive ? NO : YES;
  const match: Verdict = positive ? YES : NO;
  return (buf, s, e, x) => {
    if (x[column] === 1) return MAYBE;
    const start = s[column]!;
    if (e[column]! - start !== length) return mismatch;
    for (let i = 0; i < length; i++) if (buf[start + i] !== bytes[i]) return mismatch;
    return match;
  };
}
