import { describe, expect, it } from 'vitest';
import { compilePushdown } from '../src/rules/compile.js';
import { leaf, rule } from './rules-helpers.js';

const D = (s: string) => new Date(s);

/** [operator, threshold, record value, expected] */
type Row = readonly [string, unknown, unknown, boolean];

const numberRows: Row[] = [
  ['greater_than', 1000, 1000.5, true],
  ['greater_than', 1000, '1000.50', true],
  ['greater_than', 1000, 1000, false],
  ['greater_than', 1000, ' 2e3 ', true],
  ['greater_than', 1000, 1001n, true],
  ['less_than', 1000, -(10n ** 400n), false],
  ['not_equals', 1000, 10n ** 400n, false],
  ['>', 1000, '999', false],
  ['greater_than_or_equal', 1000, '1000', true],
  ['>=', 1000, 999.99, false],
  ['less_than', 0, -0.1, true],
  ['<', 0, '-0', false],
  ['less_than_or_equal', 5, '5.0', true],
  ['<=', 5, 5.01, false],
  ['equals', 1000, '1000.0', true],
  ['==', 1000, 1000, true],
  ['=', 1000, '1e3', true],
  ['equals', 1000, '1,000', false],
  ['not_equals', 1000, 999, true],
  ['!=', 1000, '1000', false],
  ['<>', 1000, '1001', true],
  // Numeric text as an ordering threshold (quoted, or from a ${VAR}) orders numbers, not text.
  ['greater_than', '1000.50', '999', false],
  ['greater_than', '1000.50', 5, false],
  ['greater_than', '1000.50', '1000.51', true],
  ['less_than', ' 2e3 ', 1999, true],
  ['<=', '-0', 0, true],
];
const timeRows: Row[] = [
  ['greater_than', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00.001Z', true],
  ['greater_than', '2024-01-01T00:00:00Z', D('2024-01-02'), true],
  ['greater_than', '2024-01-01', '2023-12-31T23:59:59Z', false],
  ['greater_than_or_equal', '2024-01-01', '2024-01-01T00:00:00+00:00', true],
  ['less_than', '2024-01-01T00:00:00Z', '2024-01-01T01:00:00+02:00', true],
  ['less_than_or_equal', '2024-01-01', D('2024-01-01'), true],
  ['equals', '2024-01-01T02:00:00+02:00', '2024-01-01 00:00:00', true],
  ['equals', '2024-01-01', D('2024-01-01T00:00:00Z'), true],
  ['not_equals', '2024-01-01', '2024-01-02', true],
  ['not_equals', '2024-01-01', D('2024-01-01'), false],
];
const stringRows: Row[] = [
  ['equals', 'active', 'active', true],
  ['equals', 'active', 'Active', false],
  ['equals', '007', '007', true],
  ['equals', '007', 7, false],
  ['not_equals', 'active', 'inactive', true],
  ['greater_than', 'm', 'n', true],
  ['less_than', 'm', 'apple', true],
  ['greater_than_or_equal', 'b', 'b', true],
  ['less_than_or_equal', 'b', 'c', false],
  ['contains', 'err', 'an error here', true],
  ['contains', 'err', 'fine', false],
  ['contains', 42, 1427, true],
  ['not_contains', 'err', 'fine', true],
  ['not_contains', 'err', 'error', false],
  ['starts_with', 'ERR-', 'ERR-001', true],
  ['starts_with', 'ERR-', 'xERR-', false],
  ['ends_with', '.csv', 'data.csv', true],
  ['ends_with', '.csv', 'data.csv.gz', false],
  ['equals', true, 'TRUE', true],
  ['equals', false, false, true],
  ['not_equals', true, 'false', true],
  ['equals', true, 1, false],
];

describe('every scalar operator', () => {
  it.each([...numberRows, ...timeRows, ...stringRows])('%s %s on %s → %s', (op, threshold, value, expected) => {
    const r = leaf('v', op, threshold);
    expect(r.test({ v: value })).toBe(expected);
  });
});

describe('ranges, lists, patterns and nulls', () => {
  it.each<Row>([
    ['between', [10, 20], 10, true],
    ['between', [10, 20], '20', true],
    ['between', [10, 20], 20.0001, false],
    ['between', ['2024-01-01', '2024-01-31'], '2024-01-31T00:00:00Z', true],
    ['between', ['2024-01-01', '2024-01-31'], '2024-01-31T00:00:01Z', false],
    ['between', ['b', 'd'], 'c', true],
    ['between', ['10', 20], '9', false],
    ['between', ['10', '20'], 15, true],
    ['not_between', [10, 20], 9, true],
    ['not_between', [10, 20], '15', false],
    ['in', [1, 2, 3], '2', true],
    ['in', [1, 2, 3], 4, false],
    ['in', ['a', 'b'], 'b', true],
    ['in', [1, 'x'], 'x', true],
    ['in', [1, '2024-01-01'], D('2024-01-01'), true],
    ['in', [true], 'true', true],
    ['not_in', [1, 2], 3, true],
    ['not_in', [1, 2], '1.0', false],
    ['not_in', ['a'], 'b', true],
    ['matches', '^ERR-\\d+$', 'ERR-42', true],
    ['matches', '^ERR-\\d+$', 'ERR-x', false],
    ['matches', '^5', 500, true],
  ])('%s %j on %j → %j', (op, threshold, value, expected) => {
    expect(leaf('v', op, threshold).test({ v: value })).toBe(expected);
  });

  it('applies matches flags and caps the tested text', () => {
    expect(leaf('v', 'matches', '^err', { flags: 'i' }).test({ v: 'ERROR' })).toBe(true);
    expect(leaf('v', 'matches', 'x$').test({ v: 'a'.repeat(10_000) + 'x' })).toBe(false);
    expect(leaf('v', 'matches', 'x').test({ v: 'x' + 'a'.repeat(10_000) })).toBe(true);
  });

  it('is_null / is_not_null', () => {
    const isNull = leaf('v', 'is_null');
    const notNull = leaf('v', 'is_not_null');
    for (const [record, expected] of [[{}, true], [{ v: null }, true], [{ v: undefined }, true], [{ v: '' }, false], [{ v: 0 }, false], [{ v: false }, false]] as const) {
      expect(isNull.test(record)).toBe(expected);
      expect(notNull.test(record)).toBe(!expected);
    }
    expect(isNull.stats).toEqual({ missing: 0, unconvertible: 0 });
  });

  it('value_type forces the threshold type', () => {
    expect(leaf('id', 'equals', '007', { value_type: 'string' }).test({ id: '007' })).toBe(true);
    expect(leaf('id', 'equals', '007', { value_type: 'number' }).test({ id: '7' })).toBe(true);
    expect(leaf('id', 'equals', 7, { value_type: 'string' }).test({ id: '007' })).toBe(false);
    expect(leaf('t', '>=', 1717243200000, { value_type: 'time' }).test({ t: '2024-06-01T12:00:00Z' })).toBe(true);
    expect(leaf('d', 'equals', '2024-01-01', { value_type: 'string' }).test({ d: '2024-01-01T00:00:00Z' })).toBe(false);
  });
});

describe('missing and unconvertible values', () => {
  it('never match and are counted', () => {
    const r = leaf('value', '>', 10);
    expect(r.test({})).toBe(false);
    expect(r.test({ value: null })).toBe(false);
    expect(r.test({ value: 'n/a' })).toBe(false);
    expect(r.test({ value: true })).toBe(false);
    expect(r.test({ value: '' })).toBe(false);
    expect(r.test({ value: NaN })).toBe(false);
    expect(r.stats).toEqual({ missing: 2, unconvertible: 4 });
  });

  it('negative operators are false on missing or unconvertible values too', () => {
    for (const [op, value] of [['not_equals', 5], ['!=', 'x'], ['not_between', [1, 2]], ['not_in', [1]], ['not_contains', 'x']] as const) {
      const r = leaf('v', op, value);
      expect(r.test({}), op).toBe(false);
      expect(r.test({ v: { nested: true } }), op).toBe(false);
      expect(r.stats, op).toEqual({ missing: 1, unconvertible: 1 });
    }
  });

  it('not holds for a missing value', () => {
    const r = rule({ conditions: [{ not: { field: 'v', type: '>', value: 5 } }] });
    expect(r.test({})).toBe(true);
    expect(r.test({ v: 6 })).toBe(false);
    expect(r.test({ v: 4 })).toBe(true);
  });

  it('times reject epoch numbers and garbage; strings reject objects and Dates', () => {
    const t = leaf('t', '>', '2024-01-01');
    expect(t.test({ t: 1717243200000 })).toBe(false);
    expect(t.test({ t: new Date('nope') })).toBe(false);
    expect(t.stats.unconvertible).toBe(2);
    const s = leaf('s', 'equals', 'x');
    expect(s.test({ s: new Date(0) })).toBe(false);
    expect(s.test({ s: ['x'] })).toBe(false);
    expect(s.stats.unconvertible).toBe(2);
  });
});

describe('dotted paths', () => {
  it('reach into nested objects of any depth', () => {
    expect(leaf('payload.temp', '>', 30).test({ payload: { temp: '31.5' } })).toBe(true);
    expect(leaf('a.b.c', '==', 1).test({ a: { b: { c: 1 } } })).toBe(true);
    expect(leaf('a.b.c.d.e', '==', 'x').test({ a: { b: { c: { d: { e: 'x' } } } } })).toBe(true);
    expect(leaf('items.1', '==', 'b').test({ items: ['a', 'b'] })).toBe(true);
  });
  it('count a path through a non-object as missing', () => {
    const r = leaf('payload.temp', '>', 30);
    expect(r.test({ payload: 'hot' })).toBe(false);
    expect(r.test({ payload: null })).toBe(false);
    expect(r.test({})).toBe(false);
    expect(r.stats).toEqual({ missing: 3, unconvertible: 0 });
  });
  it('never read inherited members', () => {
    expect(leaf('constructor', 'is_null').test({})).toBe(true);
    expect(leaf('a.toString', 'is_null').test({ a: {} })).toBe(true);
    expect(leaf('constructor', '==', 'x').test({ constructor: 'x' })).toBe(true);
  });
});

describe('groups', () => {
  it('combine all, any and not, and short-circuit', () => {
    const r = rule({
      threshold_field: 'value',
      threshold_type: '>',
      threshold_value: 1000,
      conditions: [{ any: [{ field: 'status', type: '==', value: 'active' }, { field: 'missing', type: '>', value: 1 }] }],
    });
    expect(r.test({ value: 1001, status: 'active' })).toBe(true);
    expect(r.stats.missing).toBe(0); // any stopped at its first true child
    expect(r.test({ value: 999, status: 'active' })).toBe(false);
    expect(r.test({ value: 1001, status: 'idle' })).toBe(false);
    expect(r.stats.missing).toBe(1);
    expect(r.fields).toEqual(['value', 'status', 'missing']);
  });
  it('handle wide groups', () => {
    const conditions = Array.from({ length: 6 }, (_, i) => ({ field: `f${i}`, type: '>', value: i }));
    const all = rule({ conditions });
    const any = rule({ conditions: [{ any: conditions }] });
    const record = Object.fromEntries(conditions.map((_, i) => [`f${i}`, i + 1]));
    expect(all.test(record)).toBe(true);
    expect(all.test({ ...record, f5: 0 })).toBe(false);
    expect(any.test({ f5: 6 })).toBe(true);
    expect(any.test({})).toBe(false);
  });
});

describe('compilePushdown', () => {
  it('ORs the rules without touching their counters', () => {
    const a = leaf('value', '>', 10);
    const b = rule({ conditions: [{ field: 'payload.kind', type: '==', value: 'x' }, { field: 'value', type: '<', value: 0 }] });
    const started = new Date();
    const p = compilePushdown([a, b], started);
    expect(p.fields).toEqual(['value', 'payload']);
    expect(p.condition).toEqual({ kind: 'any', children: [a.rule.condition, b.rule.condition] });
    expect(p.runStartedAt).toBe(started);
    expect(p.candidate({ value: 11 })).toBe(true);
    expect(p.candidate({ value: -1, payload: { kind: 'x' } })).toBe(true);
    expect(p.candidate({ value: 5 })).toBe(false);
    expect(p.candidate({})).toBe(false);
    expect(a.stats).toEqual({ missing: 0, unconvertible: 0 });
    expect(b.stats).toEqual({ missing: 0, unconvertible: 0 });
    expect(compilePushdown([], started).candidate({})).toBe(false);
  });
});
