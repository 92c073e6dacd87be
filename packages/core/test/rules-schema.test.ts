import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { conditionSchema, ruleSchema } from '../src/rules/schema.js';

const base = { name: 'r', export_target: 't' };

function issues(input: unknown): { path: string; message: string }[] {
  const result = ruleSchema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

function expectIssue(input: unknown, path: string, message: RegExp): void {
  const found = issues(input);
  expect(found, JSON.stringify(found)).toContainEqual({ path, message: expect.stringMatching(message) });
}

describe('ruleSchema: accepted forms', () => {
  it.each([
    ['the seed form', { ...base, description: 'd', threshold_field: 'value', threshold_type: 'greater_than', threshold_value: 1000 }],
    ['symbol aliases', { ...base, threshold_field: 'v', threshold_type: '>=', threshold_value: 1 }],
    ['= and <>', { ...base, conditions: [{ field: 'a', type: '=', value: 1 }, { field: 'b', operator: '<>', value: 'x' }] }],
    ['is_null in the seed form', { ...base, threshold_field: 'v', threshold_type: 'is_null' }],
    [
      'nested groups',
      {
        name: 'r',
        datasources: ['a', 'b'],
        export_targets: ['x', 'y'],
        conditions: [
          { any: [{ field: 'a', type: 'in', value: [1, 2] }, { not: { field: 'payload.temp', type: 'between', value: [1, 5] } }] },
          { all: [{ field: 's', type: 'matches', value: '^err', flags: 'i' }, { time_window: { field: 'ts', last: '1h' } }] },
        ],
      },
    ],
    ['a rule-level time window only', { ...base, datasource: 'db', time_window: { field: 'ts', from: '2024-01-01', to: '2024-02-01T00:00:00Z' } }],
    ['value_type', { ...base, conditions: [{ field: 'id', type: 'equals', value: 7, value_type: 'string' }, { field: 't', type: '>', value: 1700000000000, value_type: 'time' }] }],
  ])('%s', (_, rule) => {
    expect(issues(rule)).toEqual([]);
  });
});

describe('ruleSchema: errors', () => {
  it('rejects unknown keys at rule and condition level', () => {
    expectIssue({ ...base, threshold_feild: 'v' }, '', /threshold_feild/);
    expectIssue({ ...base, conditions: [{ field: 'a', type: '>', value: 1, valu: 2 }] }, 'conditions.0', /valu/);
  });

  it('needs a condition and a target', () => {
    expectIssue({ name: 'r', export_target: 't' }, '', /needs a condition/);
    expectIssue({ name: 'r', threshold_field: 'v', threshold_type: '>', threshold_value: 1 }, 'export_target', /needs export_target/);
    expectIssue({ ...base, export_targets: ['x'] }, 'export_targets', /either export_target or export_targets/);
    expectIssue({ ...base, datasource: 'a', datasources: ['b'], time_window: { field: 't', last: '1h' } }, 'datasources', /either datasource/);
  });

  it('names the unknown operator, suggests the closest and lists the valid ones', () => {
    const found = issues({ ...base, threshold_field: 'v', threshold_type: 'greater_then', threshold_value: 1 });
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toBe('threshold_type');
    expect(found[0]!.message).toMatch(/unknown operator "greater_then" \(did you mean "greater_than"\?\); valid operators: greater_than, .*, is_not_null, >, >=/);
    expectIssue({ ...base, conditions: [{ field: 'a', operator: 'Less Than', value: 1 }] }, 'conditions.0.operator', /did you mean "less_than"/);
    expectIssue({ ...base, conditions: [{ field: 'a', type: 'frobnicate', value: 1 }] }, 'conditions.0.type', /^unknown operator "frobnicate"; valid/);
  });

  it('checks that values fit their operator', () => {
    const leaf = (c: object) => ({ ...base, conditions: [{ any: [c] }] });
    expectIssue(leaf({ field: 'a', type: 'between', value: 5 }), 'conditions.0.any.0.value', /\[low, high\] pair/);
    expectIssue(leaf({ field: 'a', type: 'between', value: [5, 1] }), 'conditions.0.any.0.value', /bounds are reversed/);
    expectIssue(leaf({ field: 'a', type: 'between', value: [1, '2024-01-01'] }), 'conditions.0.any.0.value', /same type/);
    expectIssue(leaf({ field: 'a', type: 'in', value: [] }), 'conditions.0.any.0.value', /non-empty list/);
    expectIssue(leaf({ field: 'a', type: 'in', value: 3 }), 'conditions.0.any.0.value', /non-empty list/);
    expectIssue(leaf({ field: 'a', type: 'is_null', value: 3 }), 'conditions.0.any.0.value', /takes no value/);
    expectIssue(leaf({ field: 'a', type: '>' }), 'conditions.0.any.0.value', /needs a value/);
    expectIssue(leaf({ field: 'a', type: '>', value: [1, 2] }), 'conditions.0.any.0.value', /single value.*did you mean "in"/);
    expectIssue(leaf({ field: 'a', type: '>', value: true }), 'conditions.0.any.0.value', /not a boolean/);
    expectIssue(leaf({ field: 'a', type: 'equals', value: 'abc', value_type: 'number' }), 'conditions.0.any.0.value', /"abc" is not a number/);
    expectIssue(leaf({ field: 'a', type: 'in', value: [1, 'x'], value_type: 'number' }), 'conditions.0.any.0.value.1', /"x" is not a number/);
    expectIssue(leaf({ field: 'a', type: 'contains', value: 'x', value_type: 'number' }), 'conditions.0.any.0.value_type', /compares text/);
    expectIssue(leaf({ field: 'a', type: '>', value: 1, flags: 'i' }), 'conditions.0.any.0.flags', /only apply to "matches"/);
    expectIssue(leaf({ field: 'a..b', type: '>', value: 1 }), 'conditions.0.any.0.field', /names joined by dots/);
    expectIssue(leaf({ type: '>', value: 1 }), 'conditions.0.any.0.field', /needs a field/);
    expectIssue(leaf({ field: 'a', value: 1 }), 'conditions.0.any.0.type', /needs an operator/);
    expectIssue(leaf({ field: 'a', type: '>', operator: '>', value: 1 }), 'conditions.0.any.0.operator', /either type or operator/);
  });

  it('reports the seed form at the seed keys', () => {
    expectIssue({ ...base, threshold_field: 'v', threshold_type: 'in', threshold_value: 1 }, 'threshold_value', /non-empty list/);
    expectIssue({ ...base, threshold_field: 'v', threshold_value: 1 }, 'threshold_type', /needs an operator/);
    expectIssue({ ...base, threshold_type: '>', threshold_value: 1 }, 'threshold_field', /needs a field/);
  });

  it('rejects pathological and invalid patterns', () => {
    const m = (value: unknown, flags?: string) => ({ ...base, conditions: [{ field: 's', type: 'matches', value, ...(flags ? { flags } : {}) }] });
    expectIssue(m('(a+)+$'), 'conditions.0.value', /unsafe: nested quantifiers/);
    expectIssue(m('(a|a)*'), 'conditions.0.value', /unsafe/);
    expectIssue(m('(.*)*'), 'conditions.0.value', /unsafe/);
    expectIssue(m('([a-z'), 'conditions.0.value', /invalid regular expression/);
    expectIssue(m('x'.repeat(600)), 'conditions.0.value', /limit is 512/);
    expectIssue(m('abc', 'g'), 'conditions.0.flags', /"g" is not allowed/);
    expectIssue(m(5), 'conditions.0.value', /regular expression string/);
  });

  it('rejects malformed groups', () => {
    expectIssue({ ...base, conditions: [{ all: [], any: [] }] }, 'conditions.0', /either a leaf .* or one of/);
    expectIssue({ ...base, conditions: [{ field: 'a', type: '>', value: 1, not: { field: 'b', type: 'is_null' } }] }, 'conditions.0', /this one has not, field/);
    expectIssue({ ...base, conditions: [{}] }, 'conditions.0', /empty condition/);
    expectIssue({ ...base, conditions: [{ all: [] }] }, 'conditions.0.all', /.+/);
    expectIssue({ ...base, conditions: [] }, 'conditions', /.+/);
  });

  it('checks time windows', () => {
    const tw = (w: object) => ({ ...base, time_window: w });
    expectIssue(tw({ field: 't', last: 'an hour' }), 'time_window.last', /invalid duration "an hour"/);
    expectIssue(tw({ field: 't', last: '0s' }), 'time_window.last', /invalid duration/);
    expectIssue(tw({ field: 't', last: '1h', from: '2024-01-01' }), 'time_window.last', /either last or from\/to/);
    expectIssue(tw({ field: 't' }), 'time_window', /needs last/);
    expectIssue(tw({ field: 't', from: 'yesterday' }), 'time_window.from', /not an ISO-8601/);
    expectIssue(tw({ field: 't', from: '2024-02-01', to: '2024-01-01' }), 'time_window.to', /later than from/);
    expectIssue({ ...base, conditions: [{ not: { time_window: { field: 't', lats: '1h' } } }] }, 'conditions.0.not.time_window', /lats/);
  });

  it('reports every problem at once', () => {
    const found = issues({
      name: 'r',
      conditions: [{ field: 'a', type: 'between', value: [3, 1] }, { field: 'b', type: 'greater_then', value: 1 }],
    });
    expect(found.map((f) => f.path)).toEqual(expect.arrayContaining(['conditions.0.value', 'conditions.1.type', 'export_target']));
  });
});

describe('JSON Schema', () => {
  it('generates one for a rule and a condition, with descriptions', () => {
    const rule = z.toJSONSchema(ruleSchema, { io: 'input' }) as { properties: Record<string, { description?: string }> };
    expect(rule.properties.threshold_value?.description).toMatch(/Simple form/);
    const condition = JSON.stringify(z.toJSONSchema(conditionSchema, { io: 'input' }));
    expect(condition).toContain('greater_than_or_equal');
    expect(condition).toContain('"additionalProperties":false');
  });
});
