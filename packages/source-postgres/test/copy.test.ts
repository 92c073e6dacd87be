import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '@sluice/core';
import type { DataRecord, Source } from '@sluice/core';
import { createTestDatabase, greaterThanPushdown, isAbortError, makeReadContext, type TestDatabase } from '@sluice/testkit';
import postgres from '../src/index.js';
import { testDeps } from './helpers.js';

const create = (options: Record<string, unknown>): Source => postgres.create(postgres.schema.parse(options), testDeps());

async function readAll(source: Source, batchSize = 100, rules?: ReturnType<typeof greaterThanPushdown>): Promise<DataRecord[]> {
  const out: DataRecord[] = [];
  for await (const batch of source.read(makeReadContext({ batchSize, ...(rules ? { rules } : {}) }))) {
    expect(batch.length).toBeLessThanOrEqual(batchSize);
    out.push(...batch);
  }
  return out;
}

/** Reads `query` through both paths and returns both results. */
async function bothWays(query: string, params: unknown[] = []): Promise<{ cursor: DataRecord[]; copy: DataRecord[] }> {
  const cursor = create({ url: db.url, query, params, read_mode: 'cursor' });
  const copy = create({ url: db.url, query, params, read_mode: 'copy' });
  try {
    return { cursor: await readAll(cursor, 7), copy: await readAll(copy, 7) };
  } finally {
    await cursor.close?.();
    await copy.close?.();
  }
}

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('source_pg_copy');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  // Dropping the database terminates connections that are still closing.
  pool.on('error', () => undefined);
  await pool.query(`CREATE TYPE mood AS ENUM ('sad', 'happy')`);
  await pool.query(`CREATE TABLE mixed (
    id int, txt text, vc varchar(50), ch char(3), i2 int2, i8 bigint, num numeric, f4 float4, f8 float8, b bool,
    tstz timestamptz, ts timestamp, d date, t time, iv interval, j json, jb jsonb, ba bytea, u uuid,
    texts text[], ints int[], nums numeric[], tstzs timestamptz[], jbs jsonb[]
  )`);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const nastyText = fc.option(
  fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.constantFrom('\\N', '\\', '\t', '\n', '\r\n', 'a\tb\\nc', '"quoted"', "it's", '{a,b}', 'NULL', '', ' ', '日本語', '🎉'),
  ).map((s) => s.replace(/\u0000/g, '')),
  { nil: null },
);
const timestamp = fc.date({ min: new Date('0100-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true });
const jsonValue = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v).replace(/\\u0000/g, '')) as unknown);

const mixedRow = fc.record({
  txt: nastyText,
  vc: nastyText.map((s) => s?.slice(0, 50) ?? null),
  ch: fc.option(fc.constantFrom('a', 'ab\\', 'x\ty'), { nil: null }),
  i2: fc.option(fc.integer({ min: -32768, max: 32767 }), { nil: null }),
  i8: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), { nil: null }),
  num: fc.option(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), fc.constantFrom('NaN', '12345678901234567890.000000000000000001', '-0.5')), { nil: null }),
  f4: fc.option(fc.float({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
  f8: fc.option(fc.oneof(fc.double(), fc.constant(-0)), { nil: null }),
  b: fc.option(fc.boolean(), { nil: null }),
  tstz: fc.option(fc.oneof(timestamp.map((d) => d.toISOString()), fc.constantFrom('infinity', '-infinity', '0044-03-15 12:00:00 BC')), { nil: null }),
  ts: fc.option(timestamp.map((d) => d.toISOString().replace('Z', '')), { nil: null }),
  d: fc.option(timestamp.map((d) => d.toISOString().slice(0, 10)), { nil: null }),
  t: fc.option(fc.constantFrom('00:00:00', '23:59:59.999999', '12:34'), { nil: null }),
  iv: fc.option(fc.constantFrom('1 day', '-3 hours 2 seconds', '1 year 2 mons'), { nil: null }),
  j: fc.option(jsonValue.map((v) => JSON.stringify(v)), { nil: null }),
  jb: fc.option(jsonValue.map((v) => JSON.stringify(v)), { nil: null }),
  ba: fc.option(fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)), { nil: null }),
  u: fc.option(fc.uuid(), { nil: null }),
  texts: fc.option(fc.array(nastyText, { maxLength: 4 }), { nil: null }),
  ints: fc.option(fc.array(fc.option(fc.integer(), { nil: null }), { maxLength: 4 }), { nil: null }),
  nums: fc.option(fc.array(fc.constantFrom('1.10', '-2', '1e-5', null), { maxLength: 3 }), { nil: null }),
  tstzs: fc.option(fc.array(timestamp.map((d) => d.toISOString()), { maxLength: 3 }), { nil: null }),
  jbs: fc.option(fc.array(jsonValue.map((v) => JSON.stringify(v)), { maxLength: 2 }), { nil: null }),
});

describe('read_mode copy yields exactly what the cursor yields', () => {
  it('on random rows of every common type (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mixedRow, { minLength: 0, maxLength: 25 }), async (rows) => {
        await pool.query('TRUNCATE mixed');
        for (const [id, row] of rows.entries()) {
          const names = Object.keys(row);
          await pool.query(
            `INSERT INTO mixed (id, ${names.join(', ')}) VALUES ($1, ${names.map((_, i) => `$${i + 2}`).join(', ')})`,
            [id, ...Object.values(row)],
          );
        }
        const { cursor, copy } = await bothWays('SELECT * FROM mixed ORDER BY id');
        expect(cursor).toHaveLength(rows.length);
        expect(copy).toStrictEqual(cursor);
        for (const [i, record] of copy.entries()) expect(Object.keys(record)).toEqual(Object.keys(cursor[i]!));
      }),
      { numRuns: 40 },
    );
  });

  it('with random parameters inlined as constants (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme' }).map((s) => s.replace(/\u0000/g, '')), fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })), fc.boolean(), async (text, number, flag) => {
        const query = `SELECT $1::text AS t, $1 = $1::text AS same, $2::float8 AS n, $3::boolean AS b, '$1' AS literal, length($1) AS len, $4::text IS NULL AS nothing`;
        const { cursor, copy } = await bothWays(query, [text, number, flag, null]);
        expect(copy).toStrictEqual(cursor);
        expect(copy[0]!.t).toBe(text);
      }),
      { numRuns: 60 },
    );
  });

  it('with push-down parameters inlined', async () => {
    await pool.query(`CREATE TABLE readings AS SELECT g AS id, (g % 50)::numeric + 0.25 AS value, 's' || g AS name FROM generate_series(1, 5000) g`);
    const rules = greaterThanPushdown('value', 40);
    const copy = create({ url: db.url, query: 'SELECT * FROM readings ORDER BY id', read_mode: 'copy' });
    const cursor = create({ url: db.url, query: 'SELECT * FROM readings ORDER BY id', read_mode: 'cursor' });
    const copied = await readAll(copy, 500, rules);
    expect(copied).toStrictEqual(await readAll(cursor, 500, rules));
    expect(copied).toHaveLength(1000);
    const explained = await copy.explain!(rules);
    expect(explained).toContain('COPY (\nSELECT * FROM (\nSELECT * FROM readings ORDER BY id\n) AS sluice_src');
    expect(explained).toContain(") TO STDOUT");
    await copy.close?.();
    await cursor.close?.();
  });
});

describe('read_mode auto', () => {
  it('uses COPY for built-in types and the cursor for others (an enum), with the same values', async () => {
    const builtin = create({ url: db.url, query: 'SELECT 1 AS n, now() AS at' });
    expect(await builtin.explain!(undefined)).toContain('TO STDOUT');
    const enumQuery = create({ url: db.url, query: `SELECT 'happy'::mood AS m` });
    expect(await enumQuery.explain!(undefined)).not.toContain('TO STDOUT');
    expect(await readAll(enumQuery)).toEqual([{ m: 'happy' }]);
    const forced = create({ url: db.url, query: `SELECT 'happy'::mood AS m`, read_mode: 'copy' });
    expect(await readAll(forced)).toEqual([{ m: 'happy' }]);
    for (const s of [builtin, enumQuery, forced]) await s.close?.();
  });

  it('keeps the cursor for a query that cannot be wrapped', async () => {
    const source = create({ url: db.url, query: 'SHOW server_version_num' });
    const rows = await readAll(source);
    expect(rows).toHaveLength(1);
    await source.close?.();
  });
});

describe('errors and cancellation', () => {
  it('reports a syntax error with the server message and the position in the query', async () => {
    for (const readMode of ['auto', 'copy']) {
      const source = create({ url: db.url, query: 'SELECT id FORM things', read_mode: readMode });
      const error = (await readAll(source).catch((e: unknown) => e)) as ConnectorError;
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error.message).toContain('datasources.db');
      expect(error.message).toContain('syntax error at or near "things"');
      expect(error.message).toContain('position 16');
      expect(error.retryable).toBe(false);
      await source.close?.();
    }
  });

  it('reports an error raised mid-COPY, and the pool carries on', async () => {
    const source = create({ url: db.url, query: 'SELECT g, 1 / (g - 30000) AS x FROM generate_series(1, 40000) g', read_mode: 'copy', pool: { max: 1 } });
    let seen = 0;
    const error = (await (async () => {
      for await (const batch of source.read(makeReadContext({ batchSize: 1000 }))) seen += batch.length;
    })().catch((e: unknown) => e)) as ConnectorError;
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.message).toContain('division by zero');
    expect(seen).toBeLessThan(30000);
    const again = create({ url: db.url, query: 'SELECT 1 AS one', read_mode: 'copy' });
    expect(await readAll(again)).toEqual([{ one: 1 }]);
    await source.close?.();
    await again.close?.();
  });

  it('reads through notices the server sends between rows', async () => {
    await pool.query(`CREATE OR REPLACE FUNCTION noisy(i int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'row %', i; RETURN i; END $$`);
    const source = create({ url: db.url, query: 'SELECT noisy(g) AS g, repeat(\'n\', g % 300) AS pad FROM generate_series(1, 20000) g', read_mode: 'copy', pool: { max: 1 } });
    const rows = await readAll(source, 1000);
    expect(rows).toHaveLength(20000);
    expect(rows[19999]).toEqual({ g: 20000, pad: 'n'.repeat(20000 % 300) });
    // The connection went back to the pool in a usable state.
    expect(await readAll(source)).toHaveLength(20000);
    await source.close?.();
  });

  it('stops promptly when aborted mid-COPY and ends the server-side COPY', async () => {
    const appName = `sluice-abort-${Math.random().toString(36).slice(2, 8)}`;
    const source = create({
      url: db.url,
      query: `SELECT g, repeat('y', 100) AS pad FROM generate_series(1, 5000000) g`,
      read_mode: 'copy',
      application_name: appName,
      pool: { max: 1 },
    });
    const ctx = makeReadContext({ batchSize: 1000 });
    let batches = 0;
    const outcome = await (async () => {
      for await (const batch of source.read(ctx)) {
        expect(batch).toHaveLength(1000);
        if (++batches === 3) ctx.abort();
      }
    })().catch((e: unknown) => e);
    expect(isAbortError(outcome, ctx.signal)).toBe(true);
    expect(batches).toBe(3);
    // The backend sees its socket closed and ends the COPY instead of streaming 5 M rows into a full buffer.
    for (let i = 0; i < 100; i++) {
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [appName]);
      if (rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [appName]);
    expect(rows[0].n).toBe(0);
    // The same source reads again on a fresh connection.
    const next = create({ url: db.url, query: 'SELECT 2 AS two', read_mode: 'copy' });
    expect(await readAll(next)).toEqual([{ two: 2 }]);
    await source.close?.();
    await next.close?.();
  });

  it('a consumer that stops early leaves no COPY running', async () => {
    const source = create({ url: db.url, query: `SELECT g FROM generate_series(1, 3000000) g`, read_mode: 'copy', pool: { max: 1 } });
    for await (const batch of source.read(makeReadContext({ batchSize: 10 }))) {
      expect(batch).toHaveLength(10);
      break;
    }
    // pool.max 1: a second read only gets a connection if the first was released.
    expect(await readAll(create({ url: db.url, query: 'SELECT 3 AS three', read_mode: 'copy' }))).toEqual([{ three: 3 }]);
    let count = 0;
    for await (const batch of source.read(makeReadContext({ batchSize: 10000 }))) count += batch.length;
    expect(count).toBe(3000000);
    await source.close?.();
  });
});
