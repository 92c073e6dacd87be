import { compileRule } from '../src/rules/compile.js';
import { normalizeRule } from '../src/rules/normalize.js';
import { ruleSchema } from '../src/rules/schema.js';
import type { CompiledRule } from '../src/types.js';

export const RUN_STARTED_AT = new Date('2024-06-01T12:00:00Z');

/** Validates, normalises and compiles a rule written as in YAML. */
export function rule(raw: Record<string, unknown>): CompiledRule {
  const config = ruleSchema.parse({ name: 'r', export_target: 't', ...raw });
  return compileRule(normalizeRule(config, { runStartedAt: RUN_STARTED_AT, allDatasources: ['db', 'csv'] }));
}

/** A one-leaf rule. */
export function leaf(field: string, type: string, value?: unknown, extra: Record<string, unknown> = {}): CompiledRule {
  return rule({ conditions: [{ field, type, ...(value === undefined ? {} : { value }), ...extra }] });
}
