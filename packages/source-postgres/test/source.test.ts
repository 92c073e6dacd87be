import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '@sluice/core';
import { JsonNumber } from '@sluice/pg-common';
import type { DataRecord, Source } from '@sluice/core';
import { createTestDatabase, startThrowawayPostgres, throwawayPostgresUnavailable, describeSourceConformance, flatConformanceRecords, makeReadContext, type TestDatabase } from '@sluice/testkit';
import postgres from '../src/index.js';
import { testDeps } from './helpers.js';

const create = (options: Record<string, unknown>, deps = testDeps()): Source => postgres.create(postgres.schema.parse(options), deps);

async function readAll(source: Source, batchSize = 100): Promise<DataRecord[]> {
  const out: DataRecord[] = [];
  for await (const batch of source.read(makeReadContext({ batchSize }))) out.push(...batch);
  return out;
}

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('source_pg');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  // Dropping the database terminates connections that are still closing.
  pool.on('error', () => undefined);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('schema', () => {
  it('accepts the seed\'s fields and rejects url together with host', () => {
    expect(postgres.schema.safeParse({ host: 'localhost', port: 5432, database: 'a', username: 'u', password: 'p', query: 'SELECT 1' }).success).toBe(true);
    const both = postgres.schema.safeParse({ url: 'postgres://x@h/db', host: 'h', query: 'SELECT 1' });
    expect(both.success).toBe(false);
    expect(postgres.schema.safeParse({ query: 'SELECT 1', qurey: 'x' }).success).toBe(false);
    expect(postgres.aliases).toContain('postgres');
  });
});

describe('types', () => {
  it('maps PostgreSQL types to JS faithfully', async () => {
    const source = create({
      url: db.url,
      query: `SELECT 12345678901234567890.123456789::numeric AS num, 9223372036854775807::bigint AS big, 42::int AS i, 1.5::float8 AS f,
        true AS b, 'x'::text AS t, '2024-01-02T03:04:05.678Z'::timestamptz AS tstz, '2024-01-02 03:04:05.678'::timestamp AS ts,
        '2024-01-02'::date AS d, '{"a": {"b": [1, "two"]}}'::jsonb AS j, '[1, 2]'::json AS js, ARRAY[1, 2, 3] AS ints,
        ARRAY['1.10', '2.20']::numeric[] AS nums, ARRAY['a', NULL]::text[] AS texts, '1 day'::interval AS iv, NULL::text AS nothing`,
    });
    const [row] = await readAll(source);
    await source.close?.();
    expect(row).toEqual({
      num: '12345678901234567890.123456789',
      big: '9223372036854775807',
      i: 42,
      f: 1.5,
      b: true,
      t: 'x',
      tstz: new Date('2024-01-02T03:04:05.678Z'),
      ts: new Date('2024-01-02T03:04:05.678Z'),
      d: '2024-01-02',
      j: { a: { b: [1, 'two'] } },
      js: [1, 2],
      ints: [1, 2, 3],
      nums: ['1.10', '2.20'],
      texts: ['a', null],
      iv: '1 day',
      nothing: null,
    });
  });

  it('keeps microseconds and json numbers exact, identically in both read modes', async () => {
    const query = `SELECT '2024-05-01 10:00:00.000123+00'::timestamptz AS tstz, '2024-01-01 12:34:56.789123'::timestamp AS ts,
      ARRAY['2024-06-30 23:59:59.999999+02']::timestamptz[] AS tstzs, '2024-05-01 10:00:00.5+00'::timestamptz AS plain,
      '{"big": 12345678901234567890, "n": 1e400}'::jsonb AS jb, '[1e400]'::json AS j`;
    for (const read_mode of ['cursor', 'copy'] as const) {
      const source = create({ url: db.url, query, read_mode });
      const [row] = await readAll(source);
      await source.close?.();
      expect([read_mode, JSON.parse(JSON.stringify({ tstz: row!.tstz, ts: row!.ts, tstzs: row!.tstzs, plain: row!.plain }))]).toEqual([
        read_mode,
        { tstz: '2024-05-01T10:00:00.000123Z', ts: '2024-01-01T12:34:56.789123Z', tstzs: ['2024-06-30T21:59:59.999999Z'], plain: '2024-05-01T10:00:00.500Z' },
      ]);
      expect((row!.tstz as Date).getTime()).toBe(Date.parse('2024-05-01T10:00:00.000Z'));
      expect(row!.jb).toEqual({ big: 12345678901234567890n, n: new JsonNumber(`1${'0'.repeat(400)}`) });
      expect(row!.j).toEqual([new JsonNumber('1e400')]);
    }
  });

  it('binds params and strips a trailing semicolon', async () => {
    const source = create({ url: db.url, query: 'SELECT $1::int + 1 AS n, $2::text AS s;', params: [41, "it's"] });
    expect(await readAll(source)).toEqual([{ n: 42, s: "it's" }]);
    await source.close?.();
  });
});

describe('check()', () => {
  it('reports a syntax error with the server message and position', async () => {
    const source = create({ url: db.url, query: 'SELECT id FORM things' });
    const error = await source.check!(new AbortController().signal).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    const message = (error as Error).message;
    expect(message).toContain('datasources.db');
    expect(message).toContain('syntax error at or near "things"');
    expect(message).toContain('position 16');
    expect((error as ConnectorError).retryable).toBe(false);
    await source.close?.();
  });

  it('reports a missing table and never a password', async () => {
    const url = new URL(db.url);
    url.password = 's3cret-pw';
    const source = create({ url: url.toString(), query: 'SELECT * FROM no_such_table' });
    const error = (await source.check!(new AbortController().signal).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('relation "no_such_table" does not exist');
    expect(error.message).not.toContain('s3cret-pw');
    await source.close?.();
  });

  it('refuses several statements, as a read would', async () => {
    const source = create({ url: db.url, query: 'SELECT 1 AS id; SELECT 2 AS id' });
    const error = (await source.check!(new AbortController().signal).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.message).toMatch(/datasources\.db.*cannot insert multiple commands into a prepared statement/);
    await source.close?.();
  });

  it('classifies an unreachable server as retryable', async () => {
    const source = create({ host: '127.0.0.1', port: 1, database: 'x', query: 'SELECT 1', connect_timeout: '2s' });
    const error = (await source.check!(new AbortController().signal).catch((e: unknown) => e)) as ConnectorError;
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.retryable).toBe(true);
    await source.close?.();
  });
});

describe('streaming', () => {
  it('streams 1,000,000 rows in batches with bounded memory', async () => {
    await pool.query(`CREATE TABLE big AS SELECT g AS id, repeat('x', 100) || g AS payload, g * 1.5 AS value FROM generate_series(1, 1000000) g`);
    const source = create({ url: db.url, query: 'SELECT * FROM big ORDER BY id' });
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let count = 0;
    let last = 0;
    let batches = 0;
    for await (const batch of source.read(makeReadContext({ batchSize: 5000 }))) {
      expect(batch.length).toBeLessThanOrEqual(5000);
      count += batch.length;
      batches++;
      last = batch[batch.length - 1]!.id as number;
      if (batches % 20 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    await source.close?.();
    expect(count).toBe(1_000_000);
    expect(last).toBe(1_000_000);
    // Materialised, these rows would take several hundred MB of heap.
    expect(peak - before).toBeLessThan(150 * 1024 * 1024);
  });

  it('keeps one pool across reads (continuous mode) and close() twice is safe', async () => {
    const source = create({ url: db.url, query: "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sluice-reuse'", application_name: 'sluice-reuse', pool: { max: 1 } });
    const first = await readAll(source);
    const second = await readAll(source);
    expect(first).toEqual([{ n: 1 }]);
    expect(second).toEqual([{ n: 1 }]);
    await source.close?.();
    await source.close?.();
  });

  it('uses an injected pool and leaves it open', async () => {
    const source = create({ query: 'SELECT 1 AS one' }, testDeps({ client: pool }));
    expect(await readAll(source)).toEqual([{ one: 1 }]);
    await source.close?.();
    expect((await pool.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
  });
});

const unavailable = throwawayPostgresUnavailable();
describe.skipIf(unavailable !== undefined)(`PostgreSQL restarted mid-run${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  // Rows wide enough that the result (40 MB) cannot sit in socket buffers and COPY read-ahead when the server stops.
  it.each(['cursor', 'copy'])('fails the interrupted read with a retryable error, and the next read completes (read_mode %s)', async (readMode) => {
    const cluster = await startThrowawayPostgres();
    try {
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      await admin.query(`CREATE TABLE t AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 200000) g`);
      await admin.end();
      const source = create({ url: cluster.url, query: 'SELECT * FROM t ORDER BY id', read_mode: readMode });
      let seen = 0;
      const error = await (async () => {
        for await (const batch of source.read(makeReadContext({ batchSize: 1000 }))) {
          seen += batch.length;
          if (seen === 1000) cluster.stop();
        }
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectorError);
      expect((error as ConnectorError).retryable).toBe(true);
      cluster.start();
      // What core's retry does: read again from the start, on the same source and pool.
      const rows = await readAll(source, 1000);
      expect(rows).toHaveLength(200000);
      await source.close?.();
    } finally {
      cluster.destroy();
    }
  });
});

for (const readMode of ['cursor', 'copy'] as const) {
  describeSourceConformance(`postgresql (read_mode ${readMode})`, {
    ordered: true,
    records: flatConformanceRecords,
    async setup(records) {
      await pool.query(`CREATE TABLE IF NOT EXISTS conformance (id int, int_value bigint, float_value float8, text text, flag boolean, maybe_null text, created_at timestamptz)`);
      await pool.query('TRUNCATE conformance');
      for (const r of records) {
        await pool.query('INSERT INTO conformance VALUES ($1, $2, $3, $4, $5, $6, $7)', [r.id, r.int_value, r.float_value, r.text, r.flag, r.maybe_null, r.created_at]);
      }
      const source = create({ url: db.url, query: 'SELECT * FROM conformance ORDER BY id', read_mode: readMode });
      // bigint arrives as an exact decimal string.
      return { source, expected: records.map((r) => ({ ...r, int_value: String(r.int_value) })) };
    },
  });
}
