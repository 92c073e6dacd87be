// A deliberately plain reference evaluator for the property tests: one big
// recursive switch, no closures, no sets. It shares only coerce.ts with the
// engine under test.
import { toBoolean, toNumber, toStringValue, toTime } from '../src/rules/coerce.js';
import type { ConditionNode, DataRecord, RuleStats, Scalar } from '../src/types.js';

function read(record: DataRecord, path: readonly string[]): unknown {
  let current: unknown = record;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function convert(value: unknown, type: Scalar['type']): number | string | boolean | undefined {
  if (type === 'number') return toNumber(value);
  if (type === 'time') return toTime(value);
  if (type === 'string') return toStringValue(value);
  return toBoolean(value);
}

export function referenceEvaluate(node: ConditionNode, record: DataRecord, stats: RuleStats): boolean {
  if (node.kind === 'all') {
    for (const child of node.children) if (!referenceEvaluate(child, record, stats)) return false;
    return true;
  }
  if (node.kind === 'any') {
    for (const child of node.children) if (referenceEvaluate(child, record, stats)) return true;
    return false;
  }
  if (node.kind === 'not') return !referenceEvaluate(node.child, record, stats);

  const value = read(record, node.path);
  const isMissing = value === undefined || value === null;
  if (node.op === 'is_null') return isMissing;
  if (node.op === 'is_not_null') return !isMissing;
  if (isMissing) {
    stats.missing++;
    return false;
  }
  const operand = node.operand;

  if (operand.kind === 'list') {
    let convertedOnce = false;
    let found = false;
    for (const item of operand.values) {
      const x = convert(value, item.type);
      if (x === undefined) continue;
      convertedOnce = true;
      if (x === item.value) found = true;
    }
    if (!convertedOnce) {
      stats.unconvertible++;
      return false;
    }
    return node.op === 'in' ? found : !found;
  }

  if (operand.kind === 'pattern') {
    const x = toStringValue(value);
    if (x === undefined) {
      stats.unconvertible++;
      return false;
    }
    return new RegExp(operand.source, operand.flags).test(x.slice(0, 8192));
  }

  if (operand.kind === 'range') {
    const x = convert(value, operand.low.type);
    if (x === undefined) {
      stats.unconvertible++;
      return false;
    }
    const inside = x >= operand.low.value && x <= operand.high.value;
    return node.op === 'between' ? inside : !inside;
  }

  if (operand.kind !== 'scalar') throw new Error('unexpected operand');
  const threshold = operand.value;
  const textOps = ['contains', 'not_contains', 'starts_with', 'ends_with'];
  const x = convert(value, textOps.includes(node.op) ? 'string' : threshold.type);
  if (x === undefined) {
    stats.unconvertible++;
    return false;
  }
  const t = threshold.value;
  switch (node.op) {
    case 'greater_than':
      return x > t;
    case 'greater_than_or_equal':
      return x >= t;
    case 'less_than':
      return x < t;
    case 'less_than_or_equal':
      return x <= t;
    case 'equals':
      return x === t;
    case 'not_equals':
      return x !== t;
    case 'contains':
      return String(x).indexOf(String(t)) !== -1;
    case 'not_contains':
      return String(x).indexOf(String(t)) === -1;
    case 'starts_with':
      return String(x).slice(0, String(t).length) === String(t);
    case 'ends_with':
      return String(t).length === 0 || String(x).slice(-String(t).length) === String(t);
    default:
      throw new Error(`unexpected operator ${node.op}`);
  }
}
