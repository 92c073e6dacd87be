import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DataRecord, RuleStats } from '../src/types.js';
import { referenceEvaluate } from './rules-reference.js';
import { rule } from './rules-helpers.js';

const FIELDS = ['a', 'b', 'c', 'n.x', 'n.y', 'n.deep.z'];
const NUMBERS = [0, 1, 5, 10, -1, 2.5, 1000];
const TIMES = ['2024-01-01', '2024-01-01T12:00:00Z', '2024-06-01T00:00:00+02:00'];
const STRINGS = ['a', 'ab', 'b', '1', '10', 'x y'];
const PATTERNS = ['^a', 'b$', '\\d+', '^(ab|c)+$', '[xy]', '^1\\.?0*$'];

const number = fc.constantFrom(...NUMBERS);
const time = fc.constantFrom(...TIMES);
const text = fc.constantFrom(...STRINGS);

/** Record values: everything a source may hand over. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  number,
  fc.double({ noDefaultInfinity: false }),
  fc.integer({ min: -20, max: 20 }),
  number.map(String),
  number.map((n) => ` ${n.toFixed(2)} `),
  fc.constantFrom('1e1', '0x10', '', ' ', '1,000', 'Infinity', 'NaN', '5.', '.5', 'true', 'FALSE'),
  time,
  time.map((t) => new Date(t)),
  fc.date({ min: new Date('2023-12-30'), max: new Date('2024-06-03') }),
  fc.date({ min: new Date('2023-12-30'), max: new Date('2024-06-03'), noInvalidDate: true }).map((d) => d.toISOString()),
  text,
  fc.string({ maxLength: 4 }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.bigInt({ min: -3n, max: 1200n }),
  fc.constant({ nested: 1 }),
);

const record: fc.Arbitrary<DataRecord> = fc.record(
  {
    a: value,
    b: value,
    c: value,
    n: fc.oneof(fc.record({ x: value, y: value, deep: fc.oneof(fc.record({ z: value }, { requiredKeys: [] }), value) }, { requiredKeys: [] }), value),
  },
  { requiredKeys: [] },
);

const field = fc.constantFrom(...FIELDS);
const anyScalar = fc.oneof(number, time, text, fc.boolean());
const ordered = fc.oneof(number, time, text);
const pair = <T extends number | string>(arb: fc.Arbitrary<T>) => fc.tuple(arb, arb).map(([x, y]) => (x <= y ? [x, y] : [y, x]));

const leaf: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ field, type: fc.constantFrom('>', '>=', '<', '<=', 'greater_than', 'less_than_or_equal'), value: ordered }),
  fc.record({ field, type: fc.constantFrom('equals', 'not_equals', '==', '!=', '=', '<>'), value: anyScalar }),
  fc.record({ field, type: fc.constantFrom('between', 'not_between'), value: fc.oneof(pair(number), pair(time), pair(text)) }),
  fc.record({ field, type: fc.constantFrom('in', 'not_in'), value: fc.array(anyScalar, { minLength: 1, maxLength: 4 }) }),
  fc.record({ field, type: fc.constantFrom('contains', 'not_contains', 'starts_with', 'ends_with'), value: fc.oneof(text, number) }),
  fc.record({ field, type: fc.constant('matches'), value: fc.constantFrom(...PATTERNS) }),
  fc.record({ field, type: fc.constantFrom('is_null', 'is_not_null') }),
  fc.record({ field, type: fc.constant('equals'), value: number.map(String), value_type: fc.constantFrom('number', 'string') }),
  fc.record({ time_window: fc.oneof(fc.record({ field, last: fc.constantFrom('1h', '7d', 'PT30M') }), fc.record({ field, from: time, to: fc.constant('2024-12-31') })) }),
);

const condition: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ node: Record<string, unknown> }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ all: fc.array(tie('node'), { minLength: 1, maxLength: 4 }) }),
    fc.record({ any: fc.array(tie('node'), { minLength: 1, maxLength: 4 }) }),
    fc.record({ not: tie('node') }),
  ),
})).node;

describe('compiled rules agree with the reference evaluator', () => {
  it('on random rule trees and records, results and counters alike', () => {
    fc.assert(
      fc.property(fc.array(condition, { minLength: 1, maxLength: 3 }), fc.array(record, { minLength: 1, maxLength: 25 }), (conditions, records) => {
        const compiled = rule({ conditions });
        const stats: RuleStats = { missing: 0, unconvertible: 0 };
        for (const r of records) {
          expect(compiled.test(r)).toBe(referenceEvaluate(compiled.rule.condition, r, stats));
        }
        expect(compiled.stats).toEqual(stats);
      }),
      { numRuns: 600 },
    );
  });

  it('matches a meaningful share of records (the generators are not vacuous)', () => {
    let matched = 0;
    let total = 0;
    fc.assert(
      fc.property(leaf, fc.array(record, { minLength: 20, maxLength: 20 }), (c, records) => {
        const compiled = rule({ conditions: [c] });
        for (const r of records) {
          total++;
          if (compiled.test(r)) matched++;
        }
      }),
      { numRuns: 200 },
    );
    expect(matched / total).toBeGreaterThan(0.05);
    expect(matched / total).toBeLessThan(0.95);
  });
});
