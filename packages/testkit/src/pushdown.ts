import * as core from '@sluice/core';
import type { CompiledRule, DataRecord, LeafNode, NormalizedRule, PushdownRules } from '@sluice/core';

interface RuleEngine {
  compileRule?: (rule: NormalizedRule) => CompiledRule;
  compilePushdown?: (rules: readonly CompiledRule[], runStartedAt: Date) => PushdownRules;
}

const NUMBER_LITERAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Core's number coercion, restated: numbers, bigints and plain decimal strings. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') {
    const text = value.trim();
    return NUMBER_LITERAL.test(text) ? Number(text) : undefined;
  }
  return undefined;
}

/**
 * Push-down rules for one leaf, `field > threshold`, the way the runner
 * hands them to a source. Uses core's rule engine (`compileRule`,
 * `compilePushdown`) when core exports it; until then an equivalent
 * hand-written predicate over the same AST.
 *
 * @example
 * const ctx = makeReadContext({ rules: greaterThanPushdown('value', 1000) });
 */
export function greaterThanPushdown(field: string, threshold: number, runStartedAt = new Date()): PushdownRules {
  const condition: LeafNode = {
    kind: 'leaf',
    field,
    path: field.split('.'),
    op: 'greater_than',
    operand: { kind: 'scalar', value: { type: 'number', value: threshold } },
  };
  const rule: NormalizedRule = {
    name: 'conformance_pushdown',
    datasources: ['conformance_source'],
    targets: ['conformance_target'],
    condition,
  };
  const engine = core as unknown as RuleEngine;
  if (typeof engine.compileRule === 'function' && typeof engine.compilePushdown === 'function') {
    return engine.compilePushdown([engine.compileRule(rule)], runStartedAt);
  }

  const stats = { missing: 0, unconvertible: 0 };
  const test = (record: DataRecord): boolean => {
    let value: unknown = record;
    for (const key of condition.path) value = typeof value === 'object' && value !== null ? (value as DataRecord)[key] : undefined;
    if (value === undefined || value === null) {
      stats.missing++;
      return false;
    }
    const n = toNumber(value);
    if (n === undefined) {
      stats.unconvertible++;
      return false;
    }
    return n > threshold;
  };
  const compiled: CompiledRule = { rule, fields: [condition.path[0]!], test, stats };
  return {
    rules: [compiled],
    fields: compiled.fields,
    candidate: test,
    condition: { kind: 'any', children: [condition] },
    runStartedAt,
  };
}
