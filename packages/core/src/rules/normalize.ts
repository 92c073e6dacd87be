import type { ConditionNode, LeafNode, NormalizedRule } from '../types.js';
import { parseDuration } from '../duration.js';
import { parseIsoTime } from './coerce.js';
import { buildLeaf } from './leaf.js';
import type { ConditionConfig, RuleConfig, TimeWindowConfig } from './schema.js';

export interface NormalizeOptions {
  /** Start of the run: `time_window.last` counts back from it. */
  readonly runStartedAt: Date;
  /** Every configured datasource, for rules that name none. */
  readonly allDatasources: readonly string[];
}

/**
 * Turns a validated rule into its normalised tree: aliases resolved,
 * thresholds typed, every condition form ANDed into one tree, time windows
 * turned into time leaves (`last: 1h` → `field >= runStart - 1h`,
 * `{from, to}` → `field >= from AND field < to`). Single-child groups are
 * unwrapped and nested groups of the same kind flattened; neither changes
 * the result.
 *
 * Throws on input the schema would have rejected.
 *
 * @example
 * normalizeRule(
 *   { name: 'hot', threshold_field: 'value', threshold_type: '>', threshold_value: 1000, export_target: 'alerts' },
 *   { runStartedAt: new Date(), allDatasources: ['db'] },
 * ).condition; // { kind: 'leaf', field: 'value', path: ['value'], op: 'greater_than', operand: {...} }
 */
export function normalizeRule(rule: RuleConfig, options: NormalizeOptions): NormalizedRule {
  const where = `rule "${rule.name}"`;
  const parts: ConditionNode[] = [];
  if (rule.threshold_field !== undefined && rule.threshold_type !== undefined) {
    parts.push(leaf(where, rule.threshold_field, rule.threshold_type, rule.threshold_value));
  }
  for (const c of rule.conditions ?? []) parts.push(condition(where, c, options));
  if (rule.time_window) parts.push(timeWindow(where, rule.time_window, options));
  if (parts.length === 0) throw new Error(`${where}: no condition`);

  const datasources = rule.datasources ?? (rule.datasource !== undefined ? [rule.datasource] : options.allDatasources);
  const targets = rule.export_targets ?? (rule.export_target !== undefined ? [rule.export_target] : []);
  if (targets.length === 0) throw new Error(`${where}: no export target`);
  return {
    name: rule.name,
    ...(rule.description !== undefined ? { description: rule.description } : {}),
    datasources: [...new Set(datasources)],
    targets: [...new Set(targets)],
    condition: group('all', parts),
  };
}

function leaf(where: string, field: string, op: string, value: unknown, valueType?: ConditionConfig['value_type'], flags?: string): LeafNode {
  const result = buildLeaf({ field, op, value, valueType, flags });
  if ('problems' in result) throw new Error(`${where}: ${field}: ${result.problems.map((p) => p.message).join('; ')}`);
  return result.leaf;
}

function condition(where: string, c: ConditionConfig, options: NormalizeOptions): ConditionNode {
  if (c.all) return group('all', c.all.map((x) => condition(where, x, options)));
  if (c.any) return group('any', c.any.map((x) => condition(where, x, options)));
  if (c.not) return { kind: 'not', child: condition(where, c.not, options) };
  if (c.time_window) return timeWindow(where, c.time_window, options);
  const op = c.type ?? c.operator;
  if (c.field === undefined || op === undefined) throw new Error(`${where}: a condition without field or operator`);
  return leaf(where, c.field, op, c.value, c.value_type, c.flags);
}

function timeWindow(where: string, w: TimeWindowConfig, options: NormalizeOptions): ConditionNode {
  const bound = (op: 'greater_than_or_equal' | 'less_than', ms: number): LeafNode => ({
    kind: 'leaf',
    field: w.field,
    path: w.field.split('.'),
    op,
    operand: { kind: 'scalar', value: { type: 'time', value: ms } },
  });
  const at = (text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const ms = parseIsoTime(text);
    if (ms === undefined) throw new Error(`${where}: time_window: invalid time ${JSON.stringify(text)}`);
    return ms;
  };
  if (w.last !== undefined) {
    const span = parseDuration(w.last);
    if (span === undefined) throw new Error(`${where}: time_window: invalid duration ${JSON.stringify(w.last)}`);
    return bound('greater_than_or_equal', options.runStartedAt.getTime() - span);
  }
  const parts: LeafNode[] = [];
  const from = at(w.from);
  const to = at(w.to);
  if (from !== undefined) parts.push(bound('greater_than_or_equal', from));
  if (to !== undefined) parts.push(bound('less_than', to));
  if (parts.length === 0) throw new Error(`${where}: time_window needs last or from/to`);
  return group('all', parts);
}

/** A group without redundancy: one child stands alone, same-kind children are merged in. */
function group(kind: 'all' | 'any', children: readonly ConditionNode[]): ConditionNode {
  const flat: ConditionNode[] = [];
  for (const child of children) {
    if (child.kind === kind) flat.push(...child.children);
    else flat.push(child);
  }
  return flat.length === 1 ? flat[0]! : { kind, children: flat };
}
