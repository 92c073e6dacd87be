import { describe, expect, it } from 'vitest';
import { normalizeRule } from '../src/rules/normalize.js';
import { ruleSchema } from '../src/rules/schema.js';
import { referencedFields } from '../src/rules/walk.js';
import { RUN_STARTED_AT, rule } from './rules-helpers.js';

const opts = { runStartedAt: RUN_STARTED_AT, allDatasources: ['db', 'csv'] };
const normalize = (raw: Record<string, unknown>) => normalizeRule(ruleSchema.parse({ name: 'r', ...raw }), opts);
const HOUR = 3_600_000;

describe('normalizeRule', () => {
  it('turns the seed form into one typed leaf with defaults', () => {
    const n = normalize({ description: 'd', threshold_field: 'value', threshold_type: '>', threshold_value: 1000, export_target: 'alert_api' });
    expect(n).toEqual({
      name: 'r',
      description: 'd',
      datasources: ['db', 'csv'],
      targets: ['alert_api'],
      condition: { kind: 'leaf', field: 'value', path: ['value'], op: 'greater_than', operand: { kind: 'scalar', value: { type: 'number', value: 1000 } } },
    });
  });

  it('types thresholds', () => {
    const op = (value: unknown, extra = {}) => {
      const c = normalize({ export_target: 't', conditions: [{ field: 'v', type: '==', value, ...extra }] }).condition;
      return c.kind === 'leaf' && c.operand.kind === 'scalar' ? c.operand.value : undefined;
    };
    expect(op(5)).toEqual({ type: 'number', value: 5 });
    expect(op(true)).toEqual({ type: 'boolean', value: true });
    expect(op('007')).toEqual({ type: 'string', value: '007' });
    expect(op('1000')).toEqual({ type: 'string', value: '1000' });
    expect(op('2024-01-02')).toEqual({ type: 'time', value: Date.UTC(2024, 0, 2) });
    expect(op('2024-01-02T03:00:00+01:00')).toEqual({ type: 'time', value: Date.UTC(2024, 0, 2, 2) });
    expect(op('1000', { value_type: 'number' })).toEqual({ type: 'number', value: 1000 });
    expect(op(1700000000000, { value_type: 'time' })).toEqual({ type: 'time', value: 1700000000000 });
    expect(op('2024-01-02', { value_type: 'string' })).toEqual({ type: 'string', value: '2024-01-02' });
    expect(op('true', { value_type: 'boolean' })).toEqual({ type: 'boolean', value: true });
  });

  it('ANDs every condition form, flattening and unwrapping groups', () => {
    const n = normalize({
      datasource: 'db',
      export_targets: ['a', 'b', 'a'],
      threshold_field: 'x',
      threshold_type: 'is_not_null',
      conditions: [{ all: [{ field: 'y', type: 'in', value: [1, '2'] }] }, { any: [{ field: 'z', type: 'contains', value: 5 }] }],
      time_window: { field: 'ts', from: '2024-01-01', to: '2024-02-01' },
    });
    expect(n.datasources).toEqual(['db']);
    expect(n.targets).toEqual(['a', 'b']);
    expect(n.condition).toEqual({
      kind: 'all',
      children: [
        { kind: 'leaf', field: 'x', path: ['x'], op: 'is_not_null', operand: { kind: 'none' } },
        { kind: 'leaf', field: 'y', path: ['y'], op: 'in', operand: { kind: 'list', values: [{ type: 'number', value: 1 }, { type: 'string', value: '2' }] } },
        { kind: 'leaf', field: 'z', path: ['z'], op: 'contains', operand: { kind: 'scalar', value: { type: 'string', value: '5' } } },
        { kind: 'leaf', field: 'ts', path: ['ts'], op: 'greater_than_or_equal', operand: { kind: 'scalar', value: { type: 'time', value: Date.UTC(2024, 0, 1) } } },
        { kind: 'leaf', field: 'ts', path: ['ts'], op: 'less_than', operand: { kind: 'scalar', value: { type: 'time', value: Date.UTC(2024, 1, 1) } } },
      ],
    });
    expect(referencedFields(n.condition)).toEqual(['x', 'y', 'z', 'ts']);
  });

  it('keeps not, ranges and patterns', () => {
    const n = normalize({
      export_target: 't',
      conditions: [{ not: { field: 'p.q', operator: 'between', value: ['2024-01-01', '2024-12-31'] } }, { field: 's', type: 'matches', value: '^a', flags: 'i' }],
    });
    expect(n.condition).toEqual({
      kind: 'all',
      children: [
        {
          kind: 'not',
          child: {
            kind: 'leaf', field: 'p.q', path: ['p', 'q'], op: 'between',
            operand: { kind: 'range', low: { type: 'time', value: Date.UTC(2024, 0, 1) }, high: { type: 'time', value: Date.UTC(2024, 11, 31) } },
          },
        },
        { kind: 'leaf', field: 's', path: ['s'], op: 'matches', operand: { kind: 'pattern', source: '^a', flags: 'i' } },
      ],
    });
  });
});

describe('time windows', () => {
  const at = (ms: number) => new Date(RUN_STARTED_AT.getTime() + ms).toISOString();

  it('last: counts back from the run start, inclusive', () => {
    const r = rule({ time_window: { field: 'ts', last: '1h' } });
    expect(r.rule.condition).toEqual({
      kind: 'leaf', field: 'ts', path: ['ts'], op: 'greater_than_or_equal',
      operand: { kind: 'scalar', value: { type: 'time', value: RUN_STARTED_AT.getTime() - HOUR } },
    });
    expect(r.test({ ts: at(-HOUR) })).toBe(true);
    expect(r.test({ ts: at(-HOUR - 1) })).toBe(false);
    expect(r.test({ ts: new Date(RUN_STARTED_AT.getTime() - 60_000) })).toBe(true);
    expect(r.test({ ts: at(HOUR) })).toBe(true); // future stamps are within "the last hour" bound
    expect(r.test({ ts: 'soon' })).toBe(false);
    expect(r.test({})).toBe(false);
    expect(r.stats).toEqual({ missing: 1, unconvertible: 1 });
  });

  it.each([['PT30M', 30 * 60_000], ['7d', 7 * 24 * HOUR], [90, 90_000], ['15m', 15 * 60_000]])('last: %s', (last, ms) => {
    const r = rule({ time_window: { field: 'ts', last } });
    expect(r.test({ ts: at(-ms) })).toBe(true);
    expect(r.test({ ts: at(-ms - 1) })).toBe(false);
  });

  it('from is inclusive, to exclusive; either may be alone', () => {
    const both = rule({ time_window: { field: 'ts', from: '2024-01-01', to: '2024-01-02T00:00:00Z' } });
    expect(both.test({ ts: '2024-01-01T00:00:00Z' })).toBe(true);
    expect(both.test({ ts: '2024-01-01T23:59:59.999Z' })).toBe(true);
    expect(both.test({ ts: '2024-01-02' })).toBe(false);
    expect(both.test({ ts: '2023-12-31T23:59:59.999Z' })).toBe(false);
    expect(rule({ time_window: { field: 'ts', from: '2024-01-01' } }).test({ ts: '2030-01-01' })).toBe(true);
    expect(rule({ time_window: { field: 'ts', to: '2024-01-01' } }).test({ ts: '2030-01-01' })).toBe(false);
  });

  it('works as a condition inside groups', () => {
    const r = rule({ conditions: [{ any: [{ time_window: { field: 'ts', last: '1h' } }, { field: 'force', type: '==', value: true }] }] });
    expect(r.test({ ts: at(-2 * HOUR), force: 'true' })).toBe(true);
    expect(r.test({ ts: at(-2 * HOUR) })).toBe(false);
    const outside = rule({ conditions: [{ not: { time_window: { field: 'ts', last: '1h' } } }] });
    expect(outside.test({ ts: at(-2 * HOUR) })).toBe(true);
  });
});
