import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePushdown, compileRule } from '@sluice/core';
import type { ConditionNode, DataRecord, LeafNode, Operator, PushdownRules, Scalar } from '@sluice/core';
import { createTestDatabase, makeReadContext, type TestDatabase } from '@sluice/testkit';
import postgres from '../src/index.js';
import type { PostgresSource } from '../src/postgres-source.js';
import { testDeps } from './helpers.js';
import { RUN_STARTED_AT, conditionArbitrary } from './rule-arbitraries.js';

/** The rule engine's verdict: core's compiled rule. */
function engineTest(condition: ConditionNode): (record: DataRecord) => boolean {
  return compileRule({ name: 'r', datasources: ['db'], targets: ['t'], condition }).test;
}

function pushdownOf(condition: ConditionNode): PushdownRules {
  return compilePushdown([compileRule({ name: 'r', datasources: ['db'], targets: ['t'], condition })], RUN_STARTED_AT);
}

const TEXTS = [
  '10', ' 10 ', '10.5', '1e2', '-3', '+4', '.5', '5.', 'abc', '', ' ', '0x10', 'Infinity', '1,000', '1_000', '007', 'NaN', '1e400', '1e-400',
  '\u00a010', '12abc', '2024-01-01', '2024-01-01T10:00:00Z', '2024-01-01 10:00', '2024-01-01t10:00:00.123456789z', '2024-02-30',
  '2024-02-29T23:59:59+02:00', '2023-02-29', '0999-01-01', '2024-06-15T12:00:00.5-0530', '2024-01-01T10:00:00+05', 'true', 'FALSE', 'True ',
  'é', 'zebra', 'Apple', '日本', '😀', '\uE000x', 'a\tb', '-0', '0', '1000.000000000000001', '0.30000000000000004', '99999999999999999999',
];
const NUMS = ['0', '-0', '1', '-1', '10', '10.5', '1000', '1500.25', '0.1', '0.30000000000000004', '1e20', '-1e-20', '99999999999999999999', 'NaN', 'Infinity', '1e300', '1e-310'];
const TIMES = [
  '2024-01-01T00:00:00Z', '2024-01-01T10:00:00.9996Z', '2024-06-15T12:00:00.123+02:00', '1999-12-31T23:59:59.999Z', '2024-01-01T10:00:00Z',
  'infinity', '-infinity', '0500-01-01T00:00:00Z', '2024-02-29T12:00:00Z',
];
const JSONS = [
  '{"a": 5, "b": {"c": "10"}}', '{"a": "7.5", "b": {"c": 3}}', '{"a": true}', '{"a": null}', '{"a": [1, 2]}', '{"a": {"x": 1}}', '"text"', '12', 'null',
  '{"a": "2024-01-01T00:00:00Z"}', '{"a": 1e400}', '{"b": {"c": "2024-01-01"}}', '{"a": "TRUE"}',
  // Numbers no double holds: a bigint (its nearest double to the engine) and JsonNumbers (no number to the engine).
  '{"a": 12345678901234567891}', '{"a": 6.0000000000000000000001}', '{"a": -1e400}', '{"a": 1e-400}',
];

let db: TestDatabase;
let pool: pg.Pool;
let source: PostgresSource;
let all: DataRecord[];

beforeAll(async () => {
  db = await createTestDatabase('source_pg_push');
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  // Dropping the database terminates connections that are still closing.
  pool.on('error', () => undefined);
  await pool.query(`CREATE TABLE samples (
    id int PRIMARY KEY, num numeric, f8 float8, f4 real, i4 int, i8 bigint, txt text, vc varchar(40),
    ts timestamptz, tsn timestamp, d date, b boolean, j jsonb, arr int[])`);
  // A deterministic spread of values, a null in roughly every sixth cell.
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const pick = <T>(list: readonly T[]): T | null => (next(6) === 0 ? null : list[next(list.length)]!);
  for (let id = 1; id <= 320; id++) {
    const t = pick(TIMES);
    await pool.query('INSERT INTO samples VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)', [
      id,
      pick(NUMS),
      pick(NUMS),
      pick(['1.5', '0.1', '-3', '1e30', 'NaN', '16777217', '1000']),
      pick([0, 1, -5, 10, 1000, 1500, 2147483647]),
      pick(['0', '10', '9007199254740993', '-42', '1000']),
      pick(TEXTS),
      pick(TEXTS.filter((s) => s.length < 40)),
      t,
      t === null || t.endsWith('infinity') ? t : t.replace(/(Z|[+-]\d\d:\d\d)$/, ''),
      pick(['2024-01-01', '2024-06-15', '1999-12-31', 'infinity', '0500-03-01']),
      pick([true, false]),
      pick(JSONS),
      pick(['{1,2}', '{}']),
    ]);
  }
  source = postgres.create(postgres.schema.parse({ url: db.url, query: 'SELECT * FROM samples' }), testDeps()) as PostgresSource;
  all = await readIds(undefined);
});

afterAll(async () => {
  await source?.close();
  await pool?.end();
  await db?.drop();
});

async function readIds(rules: PushdownRules | undefined): Promise<DataRecord[]> {
  const ctx = makeReadContext({ batchSize: 128, ...(rules ? { rules } : {}) });
  const out: DataRecord[] = [];
  for await (const batch of source.read(ctx)) out.push(...batch);
  return out;
}

const FIELDS = ['num', 'f8', 'f4', 'i4', 'i8', 'txt', 'vc', 'ts', 'tsn', 'd', 'b', 'j', 'j.a', 'j.b.c', 'arr', 'missing_column', 'id'];

const treeArb = conditionArbitrary({ fields: FIELDS, texts: TEXTS });

const ids = (records: readonly DataRecord[]): number[] => records.map((r) => r.id as number).sort((a, b) => a - b);

describe('push-down mirrors the rule engine', () => {
  it('random rule trees: push-down on yields every engine match, and identical results after the engine', async () => {
    const runs = Number(process.env.SLUICE_PUSHDOWN_RUNS ?? 300);
    let tight = 0;
    await fc.assert(
      fc.asyncProperty(treeArb, async (condition) => {
        const test = engineTest(condition);
        const expected = ids(all.filter(test));
        const pushed = await readIds(pushdownOf(condition));
        const pushedIds = new Set(ids(pushed));
        for (const id of expected) expect(pushedIds.has(id), `engine match ${id} dropped by push-down`).toBe(true);
        expect(ids(pushed.filter(test))).toEqual(expected);
        if (pushed.length === expected.length) tight++;
      }),
      { numRuns: runs },
    );
    // Push-down must actually filter, not just pass everything through.
    expect(tight).toBeGreaterThan(runs / 2);
  });

  // On ordinary values (the query leaves out the deliberately odd ones) push-down is exact.
  const exact: [string, LeafNode, string][] = [
    ['number > on numeric', leaf('num', 'greater_than', { type: 'number', value: 10 }), 'true'],
    ['number <= on numeric with tiny and huge values', leaf('num', 'less_than_or_equal', { type: 'number', value: 0 }), 'true'],
    ['number == on text near a rounding boundary', leaf('txt', 'equals', { type: 'number', value: 0.30000000000000004 }), 'true'],
    ['number > on text with numeric strings', leaf('txt', 'greater_than', { type: 'number', value: 4 }), 'true'],
    ['number == on float8', leaf('f8', 'equals', { type: 'number', value: 0.1 }), 'true'],
    ['number <= on bigint', leaf('i8', 'less_than_or_equal', { type: 'number', value: 1000 }), 'true'],
    ['time >= on timestamptz', leaf('ts', 'greater_than_or_equal', { type: 'time', value: Date.parse('2024-01-01T10:00:00Z') }), 'true'],
    ['time < on timestamp', leaf('tsn', 'less_than', { type: 'time', value: Date.parse('2024-01-01T10:00:00.999Z') }), 'true'],
    ['time > on date', leaf('d', 'greater_than', { type: 'time', value: Date.parse('0400-01-01T00:00:00Z') }), 'true'],
    ['time > on text', leaf('txt', 'greater_than', { type: 'time', value: Date.parse('2024-01-01T09:00:00Z') }), "txt NOT IN ('2024-02-29T23:59:59+02:00')"],
    ['string == on text', leaf('txt', 'equals', { type: 'string', value: 'abc' }), 'true'],
    ['string > on text', leaf('txt', 'greater_than', { type: 'string', value: 'a' }), 'true'],
    ['contains on text', leaf('txt', 'contains', { type: 'string', value: '1' }), 'true'],
    ['number > in jsonb', leaf('j.a', 'greater_than', { type: 'number', value: 6 }), `coalesce(length(j->>'a'), 0) < 16`],
    ['boolean == on boolean', leaf('b', 'equals', { type: 'boolean', value: true }), 'true'],
    ['not_in numbers on numeric (NaN is unconvertible)', list('num', 'not_in', [{ type: 'number', value: 10 }, { type: 'number', value: 0 }]), 'true'],
    [
      'not_in numbers and strings on text',
      list('txt', 'not_in', [{ type: 'number', value: 10 }, { type: 'string', value: 'abc' }]),
      'true',
    ],
    ['not_in a time on timestamptz', list('ts', 'not_in', [{ type: 'time', value: Date.parse('2024-01-01T10:00:00Z') }]), 'true'],
  ];
  it.each(exact)('%s is exact', async (_name, condition, filter) => {
    const exactSource = postgres.create(postgres.schema.parse({ url: db.url, query: `SELECT * FROM samples WHERE ${filter}` }), testDeps());
    try {
      const read = async (rules?: PushdownRules): Promise<DataRecord[]> => {
        const out: DataRecord[] = [];
        for await (const batch of exactSource.read(makeReadContext(rules ? { rules } : {}))) out.push(...batch);
        return out;
      };
      const expected = ids((await read()).filter(engineTest(condition)));
      expect(expected.length).toBeGreaterThan(0);
      expect(ids(await read(pushdownOf(condition)))).toEqual(expected);
    } finally {
      await exactSource.close?.();
    }
  });

  it('numbers in jsonb that no double holds: push-down keeps every engine match, also under not', async () => {
    const leaves = [
      leaf('j.a', 'less_than_or_equal', { type: 'number', value: 6 }),
      leaf('j.a', 'greater_than', { type: 'number', value: 1e300 }),
      leaf('j.a', 'less_than', { type: 'number', value: -1e300 }),
      leaf('j.a', 'equals', { type: 'number', value: 0 }),
      leaf('j.a', 'equals', { type: 'number', value: 12345678901234567891 }),
    ];
    for (const condition of leaves.flatMap((l): ConditionNode[] => [l, { kind: 'not', child: l }])) {
      const expected = ids(all.filter(engineTest(condition)));
      const pushed = ids(await readIds(pushdownOf(condition)));
      expect([JSON.stringify(condition), pushed]).toEqual([JSON.stringify(condition), expect.arrayContaining(expected)]);
    }
  });

  it('not over an untranslatable leaf keeps every row (regex under not)', async () => {
    const condition: ConditionNode = { kind: 'not', child: { kind: 'leaf', field: 'txt', path: ['txt'], op: 'matches', operand: { kind: 'pattern', source: '^1', flags: '' } } };
    const expected = ids(all.filter(engineTest(condition)));
    const pushed = ids(await readIds(pushdownOf(condition)));
    expect(pushed).toEqual(expect.arrayContaining(expected));
  });

  it('explain() shows the wrapped SQL with bound parameters', async () => {
    const text = await source.explain(pushdownOf(leaf('num', 'greater_than', { type: 'number', value: 1000 })));
    expect(text).toContain('SELECT * FROM (\nSELECT * FROM samples\n) AS sluice_src');
    expect(text).toContain('WHERE');
    // Compared as exact decimals against the bounds of what rounds to 1000 in JavaScript.
    expect(text).toContain('$1::numeric');
    expect(text).toContain('"1000.00000000000005684341886080801486968994140625"');
    const plain = await source.explain(undefined);
    expect(plain.startsWith('SELECT * FROM samples')).toBe(true);
    expect(plain).not.toContain('push-down: none');
  });
});

function leaf(field: string, op: Operator, value: Scalar): LeafNode {
  return { kind: 'leaf', field, path: field.split('.'), op, operand: { kind: 'scalar', value } };
}

function list(field: string, op: Operator, values: Scalar[]): LeafNode {
  return { kind: 'leaf', field, path: field.split('.'), op, operand: { kind: 'list', values } };
}
