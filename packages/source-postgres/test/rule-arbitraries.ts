/**
 * Random rule conditions for the push-down property test. They are written
 * as YAML would write them (aliases, `value_type`, time windows) and go
 * through core's own `ruleSchema` and `normalizeRule`, so every tree is one
 * the runner could hand a source, never one core would refuse.
 */
import fc from 'fast-check';
import { normalizeRule, ruleSchema } from '@sluice/core';
import type { ConditionConfig, ConditionNode } from '@sluice/core';

/** Time windows' `last` counts back from this instant. */
export const RUN_STARTED_AT = new Date('2024-01-01T12:00:00Z');

/** Normalises one condition as core would, or undefined when core's schema refuses it. */
export function normalizeCondition(condition: ConditionConfig): ConditionNode | undefined {
  const parsed = ruleSchema.safeParse({ name: 'r', conditions: [condition], export_target: 't' });
  if (!parsed.success) return undefined;
  return normalizeRule(parsed.data, { runStartedAt: RUN_STARTED_AT, allDatasources: ['db'] }).condition;
}

type Raw = number | string | boolean;

const ORDERING = ['greater_than', 'greater_than_or_equal', 'less_than', 'less_than_or_equal', '>', '>=', '<', '<='];
const EQUALITY = ['equals', 'not_equals', '==', '=', '!=', '<>'];
const TEXT = ['contains', 'not_contains', 'starts_with', 'ends_with'];

export interface RuleArbitraryOptions {
  /** Field names (dots reach into JSON). */
  readonly fields: readonly string[];
  /** Text thresholds worth trying besides random short strings (ISO texts among them become times). */
  readonly texts: readonly string[];
}

/** Random condition trees, normalised by core. */
export function conditionArbitrary({ fields, texts }: RuleArbitraryOptions): fc.Arbitrary<ConditionNode> {
  const field = fc.constantFrom(...fields);
  const number = fc.oneof(
    fc.constantFrom(0, -0, 1, -1, 5, 10, 10.5, 1000, 1500.25, 0.1, 0.3, 0.30000000000000004, 1e20, 16777217, 9007199254740992, -3, 4, 100, 2147483647, 1e-310, 1e300),
    fc.double({ min: -2000, max: 2000, noNaN: true }),
  );
  const time = fc.constantFrom(
    '2024-01-01', '2024-01-01T00:00:00Z', '2024-01-01T10:00:00.999Z', '2024-01-01T10:00:00Z', '2024-06-15T10:00:00.123Z',
    '1999-12-31T23:59:59.999Z', '2024-02-29T12:00:00Z', '2024-06-15 14:00:00.123+02:00', '2024-01-01T10:00:00.9999999Z', '0000-01-01',
  );
  const text = fc.oneof(fc.constantFrom(...texts, 'a', '1', 'e', '', '2024', 'Z', '\uE000', '😀', 'true', 'NaN', 'text'), fc.string({ maxLength: 3 }));
  // Most thresholds are typed from the YAML value itself; some force a type.
  const typed = fc.oneof(
    { weight: 3, arbitrary: number.map((value) => ({ value: value as Raw })) },
    { weight: 2, arbitrary: time.map((value) => ({ value: value as Raw })) },
    { weight: 3, arbitrary: text.map((value) => ({ value: value as Raw })) },
    { weight: 1, arbitrary: fc.boolean().map((value) => ({ value: value as Raw })) },
    { weight: 1, arbitrary: fc.constantFrom('10', ' 10 ', '1e2', '-3', '.5', '1000.000000000000001').map((value) => ({ value: value as Raw, value_type: 'number' as const })) },
    { weight: 1, arbitrary: fc.constantFrom(1704103200000, 0, -62135596800000, 1e20, 1704103200999).map((value) => ({ value: value as Raw, value_type: 'time' as const })) },
    { weight: 1, arbitrary: fc.oneof(number, fc.boolean(), time).map((value) => ({ value: value as Raw, value_type: 'string' as const })) },
    { weight: 1, arbitrary: fc.constantFrom('true', 'FALSE', 'True', true).map((value) => ({ value: value as Raw, value_type: 'boolean' as const })) },
  );
  // Same-family pairs, so most ranges are valid; reversed ones are swapped below.
  const pair = fc.oneof(
    fc.tuple(number, number).map(([a, b]) => ({ value: [a, b] as Raw[] })),
    fc.tuple(time, time).map(([a, b]) => ({ value: [a, b] as Raw[] })),
    fc.tuple(text, text).map(([a, b]) => ({ value: [a, b] as Raw[] })),
    fc.tuple(fc.constantFrom('1', '10', '-2.5', '1e3'), fc.constantFrom('5', '1000', '0')).map(([a, b]) => ({ value: [a, b] as Raw[], value_type: 'number' as const })),
  );
  const list = fc
    .array(typed.map((t) => ({ ...t, value_type: undefined })), { minLength: 1, maxLength: 4 })
    .map((items) => ({ value: items.map((i) => i.value) }));
  const pattern = fc.record({ value: fc.constantFrom('^1', 'a', '^[0-9]+$', '2024', 'e$'), flags: fc.constantFrom(undefined, 'i') });

  const leaf: fc.Arbitrary<ConditionConfig> = fc
    .oneof(
      fc.tuple(field, fc.constantFrom(...ORDERING, ...EQUALITY), typed),
      fc.tuple(field, fc.constantFrom(...TEXT), text.map((value) => ({ value: value as Raw }))),
      fc.tuple(field, fc.constantFrom('between', 'not_between'), pair),
      fc.tuple(field, fc.constantFrom('in', 'not_in'), list),
      fc.tuple(field, fc.constant('matches'), pattern),
      fc.tuple(field, fc.constantFrom('is_null', 'is_not_null'), fc.constant({})),
    )
    .map(([f, type, rest]) => strip({ field: f, type, ...rest }))
    .map((c) => validLeaf(c))
    .filter((c): c is ConditionConfig => c !== undefined);

  const timeField = fc.constantFrom('ts', 'tsn', 'd', 'txt', 'j.a');
  const window: fc.Arbitrary<ConditionConfig> = fc.oneof(
    fc.record({ field: timeField, last: fc.constantFrom('2h', '30m', '1d', 'PT10H', '400d') }),
    fc
      .tuple(timeField, time, time)
      .filter(([, a, b]) => a !== b && a !== '0000-01-01' && b !== '0000-01-01')
      .map(([f, a, b]) => (Date.parse(a) < Date.parse(b) ? { field: f, from: a, to: b } : { field: f, from: b, to: a }))
      .filter((w) => Date.parse(w.from) < Date.parse(w.to)),
  ).map((time_window) => ({ time_window }));

  const tree = fc.letrec<{ node: ConditionConfig }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      leaf,
      window,
      fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((all): ConditionConfig => ({ all })),
      fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((any): ConditionConfig => ({ any })),
      tie('node').map((not): ConditionConfig => ({ not })),
    ),
  })).node;

  return tree.map((c) => {
    const node = normalizeCondition(c);
    if (!node) throw new Error(`core refused a generated condition: ${JSON.stringify(c)}`);
    return node;
  });
}

function strip(c: Record<string, unknown>): ConditionConfig {
  for (const key of Object.keys(c)) if (c[key] === undefined) delete c[key];
  return c as ConditionConfig;
}

/** The leaf as given if core accepts it, its range swapped if that was the only fault, else undefined. */
function validLeaf(c: ConditionConfig): ConditionConfig | undefined {
  if (normalizeCondition(c)) return c;
  if (Array.isArray(c.value) && c.value.length === 2) {
    const swapped = { ...c, value: [c.value[1]!, c.value[0]!] };
    if (normalizeCondition(swapped)) return swapped;
  }
  return undefined;
}
