import { z } from '../vendor/zod.js';
import { parseDuration } from '../duration.js';
import { parseIsoTime } from './coerce.js';
import { buildLeaf, type LeafProblem } from './leaf.js';
import { OPERATOR_NAMES, unknownOperatorMessage } from './operators.js';

type Path = (string | number)[];
type Ctx = { addIssue(issue: { code: 'custom'; message: string; path: Path; input?: unknown }): void };

const FIELD_PATH = /^[^.]+(?:\.[^.]+)*$/;

const fieldSchema = z
  .string()
  .regex(FIELD_PATH, { message: 'a field is a name, or names joined by dots for nested values (payload.temp)' })
  .describe('Record field to test; dots reach into nested objects (`payload.temp`).');

const operatorSchema = z
  .enum(OPERATOR_NAMES as [string, ...string[]], { error: (issue) => unknownOperatorMessage(issue.input) })
  .describe(
    'Comparison operator: greater_than, greater_than_or_equal, less_than, less_than_or_equal, equals, not_equals, ' +
      'between, not_between, in, not_in, contains, not_contains, starts_with, ends_with, matches, is_null, is_not_null, ' +
      'or a symbol alias (>, >=, <, <=, ==, =, !=, <>).',
  );

const scalarSchema = z.union([z.number(), z.string(), z.boolean()]);

const valueSchema = z
  .union([scalarSchema, z.array(scalarSchema)])
  .describe(
    'Threshold. Numbers compare numerically, ISO-8601 dates/date-times as time, other strings as text. ' +
      'between/not_between: [low, high] (inclusive); in/not_in: a list; matches: a regular expression; is_null/is_not_null: none.',
  );

const valueTypeSchema = z
  .enum(['number', 'time', 'string', 'boolean'])
  .describe('Forces the threshold type, e.g. string for "007" or time for epoch milliseconds.');

const flagsSchema = z.string().describe('Regular expression flags for matches: any of i, m, s, u.');

const durationSchema = z
  .union([z.string(), z.number()])
  .describe('How far back from the run start: 30s, 15m, 1h, 7d, ISO-8601 (PT1H), or seconds.');

/** `time_window: {field, last}` or `{field, from?, to?}`. */
export const timeWindowSchema = z
  .strictObject({
    field: fieldSchema.describe('Timestamp field (a Date or ISO-8601 text).'),
    last: durationSchema.optional(),
    from: z.string().optional().describe('Window start, inclusive (ISO-8601).'),
    to: z.string().optional().describe('Window end, exclusive (ISO-8601).'),
  })
  .superRefine((w, ctx) => checkTimeWindow(w, ctx as Ctx), { when: isObjectPayload })
  .describe('Keeps records whose timestamp is within the last duration of the run start, or between from and to.');

function isObjectPayload(payload: { value: unknown }): boolean {
  return typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value);
}

function checkTimeWindow(w: Record<string, unknown>, ctx: Ctx): void {
  const { last, from, to } = w;
  if (last !== undefined && (from !== undefined || to !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['last'], message: 'use either last or from/to, not both' });
    return;
  }
  if (last === undefined && from === undefined && to === undefined) {
    ctx.addIssue({ code: 'custom', path: [], message: 'a time_window needs last (e.g. 1h) or from/to' });
    return;
  }
  if (typeof last === 'string' || typeof last === 'number') {
    const ms = parseDuration(last);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', path: ['last'], message: `invalid duration ${JSON.stringify(last)}: use 30s, 15m, 1h, 7d or ISO-8601 like PT1H` });
    }
  }
  const times: Record<string, number | undefined> = {};
  for (const key of ['from', 'to'] as const) {
    const text = w[key];
    if (typeof text !== 'string') continue;
    times[key] = parseIsoTime(text);
    if (times[key] === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: `${JSON.stringify(text)} is not an ISO-8601 date or date-time` });
    }
  }
  if (times.from !== undefined && times.to !== undefined && times.from >= times.to) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'to must be later than from' });
  }
}

const GROUP_KEYS = ['all', 'any', 'not', 'time_window'] as const;
const LEAF_KEYS = ['field', 'type', 'operator', 'value', 'value_type', 'flags'] as const;

/**
 * One condition: a leaf `{field, type | operator, value?, value_type?, flags?}`,
 * or exactly one of the groups `{all: [...]}`, `{any: [...]}`, `{not: {...}}`,
 * `{time_window: {...}}`, nested freely.
 */
export const conditionSchema = z
  .strictObject({
    field: fieldSchema.optional(),
    type: operatorSchema.optional(),
    operator: operatorSchema.optional().describe('Same as type.'),
    value: valueSchema.optional(),
    value_type: valueTypeSchema.optional(),
    flags: flagsSchema.optional(),
    get all() {
      return z.array(conditionSchema).min(1).optional().describe('Holds when every listed condition holds.');
    },
    get any() {
      return z.array(conditionSchema).min(1).optional().describe('Holds when at least one listed condition holds.');
    },
    get not() {
      return conditionSchema.optional().describe('Holds when the condition does not (a missing field under not therefore holds).');
    },
    time_window: timeWindowSchema.optional(),
  })
  .describe('A leaf {field, type, value} or one group: all, any, not, time_window.');

function present(obj: Record<string, unknown>, keys: readonly string[]): string[] {
  return keys.filter((k) => obj[k] !== undefined);
}

/** A ctx whose issues land under `prefix`. */
function under(ctx: Ctx, prefix: Path): Ctx {
  return { addIssue: (issue) => ctx.addIssue({ ...issue, path: [...prefix, ...issue.path] }) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks a condition tree's semantics (operator/value fit, group shape).
 * It runs from the rule's refinement rather than on each condition schema,
 * so the recursive condition type stays inferred from the schema.
 */
function checkConditionTree(c: unknown, ctx: Ctx): void {
  if (!isObject(c)) return; // its type error is reported by the schema
  checkCondition(c, ctx);
  for (const key of ['all', 'any'] as const) {
    const list = c[key];
    if (Array.isArray(list)) list.forEach((child, i) => checkConditionTree(child, under(ctx, [key, i])));
  }
  if (c.not !== undefined) checkConditionTree(c.not, under(ctx, ['not']));
}

function checkCondition(c: Record<string, unknown>, ctx: Ctx): void {
  const groups = present(c, GROUP_KEYS);
  const leafKeys = present(c, LEAF_KEYS);
  if (groups.length > 1 || (groups.length === 1 && leafKeys.length > 0)) {
    const keys = [...groups, ...leafKeys].join(', ');
    ctx.addIssue({
      code: 'custom',
      path: [],
      message: `a condition is either a leaf {field, type, value} or one of all/any/not/time_window; this one has ${keys} (wrap them in a list to AND them)`,
    });
    return;
  }
  if (groups.length === 1) return;
  if (leafKeys.length === 0) {
    ctx.addIssue({ code: 'custom', path: [], message: 'empty condition: give {field, type, value} or one of all/any/not/time_window' });
    return;
  }
  checkLeaf(c.field, c.type ?? c.operator, c, { field: ['field'], op: [c.type === undefined && c.operator !== undefined ? 'operator' : 'type'], value: ['value'], value_type: ['value_type'], flags: ['flags'] }, ctx);
  if (c.type !== undefined && c.operator !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['operator'], message: 'give either type or operator, not both' });
  }
}

interface LeafPaths {
  readonly field: Path;
  readonly op: Path;
  readonly value: Path;
  readonly value_type: Path;
  readonly flags: Path;
}

function checkLeaf(field: unknown, op: unknown, raw: Record<string, unknown>, paths: LeafPaths, ctx: Ctx): void {
  if (field === undefined) ctx.addIssue({ code: 'custom', path: paths.field, message: 'a condition needs a field' });
  if (op === undefined) {
    ctx.addIssue({ code: 'custom', path: paths.op, message: `a condition needs an operator (type); valid operators: ${OPERATOR_NAMES.join(', ')}` });
  }
  // Type errors on these keys were already reported by their own schemas.
  if (typeof field !== 'string' || !FIELD_PATH.test(field) || typeof op !== 'string') return;
  const valueType = raw.value_type;
  const result = buildLeaf({
    field,
    op,
    value: raw.value,
    valueType: valueType === 'number' || valueType === 'time' || valueType === 'string' || valueType === 'boolean' ? valueType : undefined,
    flags: typeof raw.flags === 'string' ? raw.flags : undefined,
  });
  if (!('problems' in result)) return;
  for (const problem of result.problems) {
    if (problem.key === 'op') continue; // the operator enum already said so, with a did-you-mean
    ctx.addIssue({ code: 'custom', path: problemPath(problem, paths), message: problem.message });
  }
}

function problemPath(problem: LeafProblem, paths: LeafPaths): Path {
  const base = paths[problem.key];
  return problem.index === undefined ? base : [...base, problem.index];
}

const namesSchema = (what: string) => z.array(z.string().min(1)).min(1).describe(what);

/** A processing rule as written in YAML (`processing_rules[]`). */
export const ruleSchema = z
  .strictObject({
    name: z.string().min(1).describe('Rule name, used in logs, summaries and output paths.'),
    description: z.string().optional().describe('Free text for humans.'),
    datasource: z.string().min(1).optional().describe('The datasource this rule reads (default: all).'),
    datasources: namesSchema('The datasources this rule reads (default: all).').optional(),
    threshold_field: fieldSchema.optional().describe('Simple form: the field to test.'),
    threshold_type: operatorSchema.optional().describe('Simple form: the operator.'),
    threshold_value: valueSchema.optional().describe('Simple form: the threshold.'),
    conditions: z.array(conditionSchema).min(1).optional().describe('Conditions that must all hold (AND).'),
    time_window: timeWindowSchema.optional(),
    export_target: z.string().min(1).optional().describe('The export target receiving matches.'),
    export_targets: namesSchema('The export targets receiving matches.').optional(),
  })
  .superRefine((r, ctx) => checkRule(r, ctx as Ctx), { when: isObjectPayload })
  .describe('A processing rule: which records to keep and where to send them. All its conditions are ANDed.');

/** A processing rule as written in YAML, after schema validation. */
export type RuleConfig = z.infer<typeof ruleSchema>;
/** One entry of `conditions:` (recursive). */
export type ConditionConfig = z.infer<typeof conditionSchema>;
/** A `time_window:` block. */
export type TimeWindowConfig = z.infer<typeof timeWindowSchema>;

function checkRule(r: Record<string, unknown>, ctx: Ctx): void {
  const seed = present(r, ['threshold_field', 'threshold_type', 'threshold_value']);
  if (seed.length > 0) {
    checkLeaf(r.threshold_field, r.threshold_type, { value: r.threshold_value }, {
      field: ['threshold_field'],
      op: ['threshold_type'],
      value: ['threshold_value'],
      value_type: ['threshold_value'],
      flags: ['threshold_value'],
    }, ctx);
  }
  if (Array.isArray(r.conditions)) r.conditions.forEach((c, i) => checkConditionTree(c, under(ctx, ['conditions', i])));
  if (seed.length === 0 && r.conditions === undefined && r.time_window === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: [],
      message: 'a rule needs a condition: threshold_field/threshold_type/threshold_value, conditions, or time_window',
    });
  }
  if (r.datasource !== undefined && r.datasources !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['datasources'], message: 'give either datasource or datasources, not both' });
  }
  if (r.export_target === undefined && r.export_targets === undefined) {
    ctx.addIssue({ code: 'custom', path: ['export_target'], message: 'a rule needs export_target (or export_targets)' });
  } else if (r.export_target !== undefined && r.export_targets !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['export_targets'], message: 'give either export_target or export_targets, not both' });
  }
}
