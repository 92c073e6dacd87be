import { compileCondition, parsePlainDecimalBytes, type ConditionNode, type LeafNode, type Scalar } from '@sluice/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileByteFilter, MAYBE, NO, YES } from '../src/byte-filter.js';

const core = { compileCondition, parsePlainDecimalBytes };

const COLUMNS = ['a', 'b', 'c'];
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

/** Values as text: plain decimals and their look-alikes, strings, times, booleans, what decodes to U+FFFD. */
const valueText = fc.oneof(
  fc.constantFrom('1500', '1500.00', '1500.5', '-0', '+3.5', '1.', '.5', '007', '1e3', ' 12', '12 ', '', '.', '-', '1.2.3', '123456789012345', '1234567890123456', '0x10', 'NaN'),
  // Beyond the double range: the engine refuses them, so the filter must not decide them as numbers.
  fc.constantFrom('1e400', '-1E+999', '9'.repeat(400), 'Infinity', '-inf'),
  fc.constantFrom('active', 'Active', 'idle', 'é', '\uFFFD', '😀', 'true', 'FALSE', 'a"b', '2026-11-01T00:00:00Z', '2026-11-01', 'x,y'),
  fc.double({ min: -5000, max: 5000, noNaN: true }).map((n) => n.toFixed(2)),
  fc.integer({ min: -3000, max: 3000 }).map(String),
  fc.string({ maxLength: 5 }),
);
/** A field's bytes: mostly the UTF-8 of a value, sometimes bytes that are not valid UTF-8. */
const fieldBytes = fc.oneof(
  { weight: 5, arbitrary: valueText.map((text) => Buffer.from(text, 'utf8')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 4 }).map((bytes) => Buffer.from(bytes.filter((b) => b !== 0x22))) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80])) },
);

// Thresholds mostly equal to values the rows hold, so boundaries are hit.
const numberScalar = fc
  .oneof({ weight: 4, arbitrary: fc.constantFrom(1500, 0, -0, 1500.5, 3.5, 7, 12, 1000, 123456789012345) }, { weight: 1, arbitrary: fc.integer({ min: -3000, max: 3000 }) })
  .map((value): Scalar => ({ type: 'number', value }));
const stringScalar = fc
  .oneof({ weight: 4, arbitrary: fc.constantFrom('active', 'Active', 'é', '\uFFFD', '\uD800', '1500', '', 'a"b', 'x,y', '😀') }, { weight: 1, arbitrary: valueText })
  .map((value): Scalar => ({ type: 'string', value }));
const timeScalar = fc.constantFrom(Date.UTC(2026, 10, 1), Date.UTC(2026, 10, 1, 0, 0, 1)).map((value): Scalar => ({ type: 'time', value }));
const booleanScalar = fc.boolean().map((value): Scalar => ({ type: 'boolean', value }));

const field = fc.constantFrom('a', 'b', 'c', 'missing', 'constructor', 'a.b');
const leaf = (field_: string, op: LeafNode['op'], operand: LeafNode['operand']): LeafNode => ({ kind: 'leaf', field: field_, path: field_.split('.'), op, operand });
const ordering = fc.constantFrom('greater_than', 'greater_than_or_equal', 'less_than', 'less_than_or_equal', 'equals', 'not_equals') as fc.Arbitrary<LeafNode['op']>;
const pair = (scalar: fc.Arbitrary<Scalar>) =>
  fc.tuple(scalar, scalar).map(([x, y]) => ((x.value as number | string) <= (y.value as number | string) ? { kind: 'range' as const, low: x, high: y } : { kind: 'range' as const, low: y, high: x }));

const leafNode: fc.Arbitrary<ConditionNode> = fc.oneof(
  fc.tuple(field, ordering, fc.oneof(numberScalar, stringScalar, timeScalar)).map(([f, op, value]) => leaf(f, op, { kind: 'scalar', value })),
  fc.tuple(field, fc.constantFrom('equals', 'not_equals') as fc.Arbitrary<LeafNode['op']>, booleanScalar).map(([f, op, value]) => leaf(f, op, { kind: 'scalar', value })),
  fc.tuple(field, fc.constantFrom('between', 'not_between') as fc.Arbitrary<LeafNode['op']>, fc.oneof(pair(numberScalar), pair(stringScalar))).map(([f, op, operand]) => leaf(f, op, operand)),
  fc.tuple(field, fc.constantFrom('contains', 'not_contains', 'starts_with', 'ends_with') as fc.Arbitrary<LeafNode['op']>, stringScalar).map(([f, op, value]) => leaf(f, op, { kind: 'scalar', value })),
  fc.tuple(field, fc.constantFrom('in', 'not_in') as fc.Arbitrary<LeafNode['op']>, fc.array(fc.oneof(numberScalar, stringScalar, booleanScalar), { minLength: 1, maxLength: 3 })).map(([f, op, values]) => leaf(f, op, { kind: 'list', values })),
  fc.tuple(field, fc.constantFrom('is_null', 'is_not_null') as fc.Arbitrary<LeafNode['op']>).map(([f, op]) => leaf(f, op, { kind: 'none' })),
  field.map((f) => leaf(f, 'matches', { kind: 'pattern', source: '^[0-9]+$', flags: '' })),
);
const condition: fc.Arbitrary<ConditionNode> = fc.letrec<{ node: ConditionNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafNode,
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((children): ConditionNode => ({ kind: 'all', children })),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((children): ConditionNode => ({ kind: 'any', children })),
    tie('node').map((child): ConditionNode => ({ kind: 'not', child })),
  ),
})).node;

/** A row as the scanner gives it: each field's bytes in one buffer, quoted (with `""`) when it holds a quote. */
function layout(fields: readonly Buffer[], quoteAll: boolean): { buf: Buffer; starts: Int32Array; ends: Int32Array; escaped: Uint8Array; record: Record<string, string> } {
  const parts: Buffer[] = [];
  const starts = new Int32Array(fields.length);
  const ends = new Int32Array(fields.length);
  const escaped = new Uint8Array(fields.length);
  const record: Record<string, string> = {};
  let at = 0;
  fields.forEach((bytes, i) => {
    const text = bytes.toString('utf8');
    record[COLUMNS[i]!] = text;
    const hasQuote = bytes.includes(0x22);
    const stored = hasQuote ? Buffer.from(text.replaceAll('"', '""'), 'utf8') : bytes;
    if (hasQuote || quoteAll) parts.push(Buffer.from('"'));
    at += hasQuote || quoteAll ? 1 : 0;
    starts[i] = at;
    parts.push(stored);
    at += stored.length;
    ends[i] = at;
    escaped[i] = hasQuote ? 1 : 0;
    if (hasQuote || quoteAll) parts.push(Buffer.from('"'));
    parts.push(Buffer.from(','));
    at += (hasQuote || quoteAll ? 1 : 0) + 1;
  });
  return { buf: Buffer.concat(parts), starts, ends, escaped, record };
}

describe('byte filter vs the rule engine (differential)', () => {
  it('never says NO for a row the engine matches, never YES for one it does not', () => {
    let decided = 0;
    let total = 0;
    fc.assert(
      fc.property(condition, fc.array(fc.tuple(fc.array(fieldBytes, { minLength: 3, maxLength: 3 }), fc.boolean()), { minLength: 1, maxLength: 30 }), (node, rows) => {
        const engine = compileCondition(node, { missing: 0, unconvertible: 0 });
        const test = compileByteFilter(node, COLUMNS, core);
        for (const [fields, quoteAll] of rows) {
          // Bytes that are not valid UTF-8 are only meaningful where the tokenizer would see them too.
          const row = layout(fields, quoteAll);
          const expected = engine(row.record);
          const verdict = test === undefined ? MAYBE : test(row.buf, row.starts, row.ends, row.escaped);
          total++;
          if (verdict !== MAYBE) decided++;
          if (verdict === NO) expect(expected, `NO for a matching row ${JSON.stringify(row.record)}`).toBe(false);
          if (verdict === YES) expect(expected, `YES for a non-matching row ${JSON.stringify(row.record)}`).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
    // Most rows are decided on bytes: the filter is not a test that always says MAYBE.
    expect(decided / total).toBeGreaterThan(0.25);
  });

  it('every operator against every threshold and value of a pool (exhaustive, single leaves)', () => {
    const texts = ['1500', '1500.00', '1500.5', '1499.99', '-0', '0', '+3.5', '3.5', '1.', '.5', '007', '7', '12', '1e3', ' 12', '', '.', '-', '1.2.3', '123456789012345', '1234567890123456', 'NaN', '1e400', '-1E+999', '9'.repeat(400), 'Infinity', '-inf', 'active', 'Active', 'idle', 'é', '\uFFFD', '😀', 'true', 'FALSE', 'a"b', 'x,y', '2026-11-01T00:00:00Z'];
    const values = [...texts.map((t) => Buffer.from(t, 'utf8')), Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80])];
    const numbers = [1500, 1500.5, 0, -0, 3.5, 7, 12, 1000, 123456789012345].map((value): Scalar => ({ type: 'number', value }));
    const strings = ['active', 'Active', 'é', '\uFFFD', '\uD800', '1500', '', 'a"b', 'x,y', '😀', 'act'].map((value): Scalar => ({ type: 'string', value }));
    const times = [Date.UTC(2026, 10, 1)].map((value): Scalar => ({ type: 'time', value }));
    const booleans = [true, false].map((value): Scalar => ({ type: 'boolean', value }));
    const leaves: LeafNode[] = [];
    for (const op of ['greater_than', 'greater_than_or_equal', 'less_than', 'less_than_or_equal', 'equals', 'not_equals'] as const) {
      for (const value of [...numbers, ...strings, ...times]) leaves.push(leaf('a', op, { kind: 'scalar', value }));
    }
    for (const op of ['equals', 'not_equals'] as const) for (const value of booleans) leaves.push(leaf('a', op, { kind: 'scalar', value }));
    for (const op of ['between', 'not_between'] as const) {
      for (const [low, high] of [[1000, 1500], [1500, 1500.5], [-0, 7]] as const) leaves.push(leaf('a', op, { kind: 'range', low: { type: 'number', value: low }, high: { type: 'number', value: high } }));
      leaves.push(leaf('a', op, { kind: 'range', low: { type: 'string', value: 'a' }, high: { type: 'string', value: 'b' } }));
    }
    for (const op of ['contains', 'not_contains', 'starts_with', 'ends_with'] as const) for (const value of strings) leaves.push(leaf('a', op, { kind: 'scalar', value }));
    for (const op of ['in', 'not_in'] as const) leaves.push(leaf('a', op, { kind: 'list', values: [numbers[0]!, strings[0]!, booleans[0]!] }));
    for (const op of ['is_null', 'is_not_null'] as const) leaves.push(leaf('a', op, { kind: 'none' }));
    leaves.push(leaf('a', 'matches', { kind: 'pattern', source: '^[0-9]+$', flags: '' }));
    let decided = 0;
    for (const node of leaves) {
      for (const negate of [false, true]) {
        const tree: ConditionNode = negate ? { kind: 'not', child: node } : node;
        const engine = compileCondition(tree, { missing: 0, unconvertible: 0 });
        const test = compileByteFilter(tree, COLUMNS, core);
        for (const bytes of values) {
          for (const quoteAll of [false, true]) {
            const row = layout([bytes, Buffer.from('x'), Buffer.from('y')], quoteAll);
            const verdict = test === undefined ? MAYBE : test(row.buf, row.starts, row.ends, row.escaped);
            if (verdict === MAYBE) continue;
            decided++;
            const what = `${JSON.stringify(tree)} on ${JSON.stringify(row.record.a)}`;
            expect(verdict === YES, what).toBe(engine(row.record));
          }
        }
      }
    }
    expect(decided).toBeGreaterThan(5000);
  });

  it('decides plain decimals and string equality without decoding', () => {
    const node: ConditionNode = {
      kind: 'all',
      children: [leaf('b', 'greater_than', { kind: 'scalar', value: { type: 'number', value: 1500 } }), leaf('a', 'equals', { kind: 'scalar', value: { type: 'string', value: 'active' } })],
    };
    const test = compileByteFilter(node, COLUMNS, core)!;
    const verdict = (a: string, b: string) => {
      const row = layout([Buffer.from(a), Buffer.from(b), Buffer.from('')], false);
      return test(row.buf, row.starts, row.ends, row.escaped);
    };
    expect(verdict('active', '1500.01')).toBe(YES);
    expect(verdict('active', '1500')).toBe(NO);
    expect(verdict('idle', '2000')).toBe(NO);
    expect(verdict('active', ' 2000')).toBe(MAYBE); // whitespace: the engine's general path decides
    expect(verdict('active', '2e3')).toBe(MAYBE);
  });

  it('gives up (undefined) when nothing can be ruled out on bytes', () => {
    expect(compileByteFilter(leaf('a.b', 'equals', { kind: 'scalar', value: { type: 'string', value: 'x' } }), COLUMNS, core)).toBeUndefined();
    expect(compileByteFilter(leaf('missing', 'is_null', { kind: 'none' }), COLUMNS, core)).toBeUndefined();
  });
});
