/**
 * A deliberately plain reference evaluator of core's rule semantics, used
 * only when core does not export its compiled engine yet. It shares nothing
 * with the push-down translator but core's coercions.
 */
import type { ConditionNode, DataRecord, Scalar } from '@sluice/core';
import { toBoolean, toNumber, toStringValue, toTime } from '../../core/src/rules/coerce.ts';

function read(record: DataRecord, path: readonly string[]): unknown {
  let value: unknown = record;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function convert(value: unknown, type: Scalar['type']): unknown {
  switch (type) {
    case 'number':
      return toNumber(value);
    case 'time':
      return toTime(value);
    case 'string':
      return toStringValue(value);
    case 'boolean':
      return toBoolean(value);
  }
}

export function evaluate(node: ConditionNode, record: DataRecord): boolean {
  switch (node.kind) {
    case 'all':
      return node.children.every((c) => evaluate(c, record));
    case 'any':
      return node.children.some((c) => evaluate(c, record));
    case 'not':
      return !evaluate(node.child, record);
    case 'leaf': {
      const raw = read(record, node.path);
      const missing = raw === null || raw === undefined;
      if (node.op === 'is_null') return missing;
      if (node.op === 'is_not_null') return !missing;
      if (missing) return false;
      const operand = node.operand;
      switch (operand.kind) {
        case 'scalar': {
          const t = operand.value;
          if (['contains', 'not_contains', 'starts_with', 'ends_with'].includes(node.op)) {
            const v = toStringValue(raw);
            if (v === undefined) return false;
            const needle = String(t.value);
            if (node.op === 'contains') return v.includes(needle);
            if (node.op === 'not_contains') return !v.includes(needle);
            if (node.op === 'starts_with') return v.startsWith(needle);
            return v.endsWith(needle);
          }
          const v = convert(raw, t.type) as number | string | boolean | undefined;
          if (v === undefined) return false;
          switch (node.op) {
            case 'greater_than':
              return v > t.value;
            case 'greater_than_or_equal':
              return v >= t.value;
            case 'less_than':
              return v < t.value;
            case 'less_than_or_equal':
              return v <= t.value;
            case 'equals':
              return v === t.value;
            case 'not_equals':
              return v !== t.value;
            default:
              throw new Error(`unexpected ${node.op}`);
          }
        }
        case 'range': {
          const v = convert(raw, operand.low.type) as number | string | undefined;
          if (v === undefined) return false;
          const inside = v >= operand.low.value && v <= operand.high.value;
          return node.op === 'between' ? inside : !inside;
        }
        case 'list': {
          const found = operand.values.some((s) => convert(raw, s.type) === s.value);
          if (node.op === 'in') return found;
          return !found;
        }
        case 'pattern': {
          const v = toStringValue(raw);
          return v !== undefined && new RegExp(operand.source, operand.flags).test(v);
        }
        default:
          return false;
      }
    }
  }
}
