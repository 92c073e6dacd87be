import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '@sluice/core';
import type { DataRecord, Exporter } from '@sluice/core';
import { createTestDatabase, memoryLogger, startThrowawayPostgres, throwawayPostgresUnavailable, describeExporterConformance, flatConformanceRecords, makeExportRun, uniqueName, type TestDatabase } from '@sluice/testkit';
import { typeParsers } from '@sluice/pg-common';
import postgres from '../src/index.js';
import { testDeps } from './helpers.js';

const create = (options: Record<string, unknown>, deps = testDeps()): Exporter => postgres.create(postgres.schema.parse(options), deps);
const signal = new AbortController().signal;

let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('export_pg');
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  // Dropping the database terminates connections that are still closing.
  pool.on('error', () => undefined);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await pool.query(sql)).rows;
}

/** Rows and distinct ids of the `events` table on the server at `url`. */
async function countEvents(url: string): Promise<{ n: number; d: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT count(*)::int AS n, count(DISTINCT id)::int AS d FROM events')).rows[0];
  } finally {
    await client.end();
  }
}

describe('schema', () => {
  it('requires conflict_columns for upsert', () => {
    expect(postgres.schema.safeParse({ table: 't', mode: 'upsert' }).success).toBe(false);
    expect(postgres.schema.safeParse({ table: 't', mode: 'upsert', conflict_columns: ['id'] }).success).toBe(true);
    expect(postgres.schema.safeParse({ table: 't', tabel: 'x' }).success).toBe(false);
  });

  it('writes two appends at once by default, no more than the pool holds, and upserts one at a time', () => {
    expect(create({ table: 't' }).maxInFlight).toBe(2);
    expect(create({ table: 't', concurrency: 6, pool: { max: 8 } }).maxInFlight).toBe(6);
    expect(create({ table: 't', concurrency: 6, pool: { max: 3 } }).maxInFlight).toBe(3);
    expect(create({ table: 't', mode: 'upsert', conflict_columns: ['id'] }).maxInFlight).toBe(1);
    expect(create({ table: 't', mode: 'upsert', conflict_columns: ['id'], concurrency: 1 }).maxInFlight).toBe(1);
    const refused = postgres.schema.safeParse({ table: 't', mode: 'upsert', conflict_columns: ['id'], concurrency: 2 });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ['concurrency'] });
    expect(postgres.schema.safeParse({ table: 't', concurrency: 0 }).success).toBe(false);
  });
});

describe('insert with COPY', () => {
  it('writes every type faithfully, into a schema-qualified table with odd names', async () => {
    await pool.query(`CREATE SCHEMA "Odd.Schema"; CREATE TABLE "Odd.Schema"."my table" (
      id int PRIMARY KEY, "Value" numeric, note text, at timestamptz, local timestamp, tags text[], doc jsonb, ok boolean, raw bytea)`);
    const exporter = create({ url: db.url, table: '"Odd.Schema"."my table"', columns: { id: 'id', value: 'Value', note: 'note', at: 'at', local: 'local', tags: 'tags', doc: 'doc', ok: 'ok', raw: 'raw' } });
    const session = await exporter.open(makeExportRun());
    const at = new Date('2024-05-06T07:08:09.123Z');
    const result = await session.write(
      [
        { id: 1, value: '12345678901234567890.5', note: 'tab\there\nnewline \\ back "quote"', at, local: at, tags: ['a', 'b"c', null], doc: { x: [1, 'two'], y: null }, ok: true, raw: Buffer.from([0, 255]) },
        { id: 2, value: 1.25, note: null, at: '2024-01-01T00:00:00Z', local: null, tags: [], doc: 'just a string', ok: false, raw: null, ignored: 'x' },
      ],
      signal,
    );
    await session.end(signal);
    await exporter.close?.();
    expect(result).toEqual({});
    const back = await rows(`SELECT id, "Value"::text AS value, note, at, local::text AS local, tags, doc, ok, raw FROM "Odd.Schema"."my table" ORDER BY id`);
    expect(back).toEqual([
      { id: 1, value: '12345678901234567890.5', note: 'tab\there\nnewline \\ back "quote"', at, local: '2024-05-06 07:08:09.123', tags: ['a', 'b"c', null], doc: { x: [1, 'two'], y: null }, ok: true, raw: Buffer.from([0, 255]) },
      { id: 2, value: '1.25', note: null, at: new Date('2024-01-01T00:00:00Z'), local: null, tags: [], doc: 'just a string', ok: false, raw: null },
    ]);
  });

  it('a batch with a duplicate key and a bad value: the good rows land, the bad ones are rejected with the server error', async () => {
    await pool.query('CREATE TABLE readings (id int PRIMARY KEY, value int NOT NULL, label text)');
    await pool.query("INSERT INTO readings VALUES (100, 1, 'existing')");
    const exporter = create({ url: db.url, table: 'readings' });
    const session = await exporter.open(makeExportRun());
    const batch: DataRecord[] = [];
    for (let id = 1; id <= 40; id++) batch.push({ id, value: id * 10, label: `r${id}` });
    batch[9] = { id: 5, value: 1, label: 'duplicate of 5' };
    batch[20] = { id: 21, value: 'not a number', label: 'bad value' };
    batch[30] = { id: 100, value: 3, label: 'clashes with an existing row' };
    batch[35] = { id: 36, value: null, label: 'null in a NOT NULL column' };
    const result = await session.write(batch, signal);
    await exporter.close?.();
    const rejected = result?.rejected ?? [];
    expect(rejected.map((r) => r.record.label)).toEqual(['duplicate of 5', 'bad value', 'clashes with an existing row', 'null in a NOT NULL column']);
    expect(rejected[0]!.error.message).toContain('duplicate key value violates unique constraint "readings_pkey"');
    expect(rejected[0]!.error.message).toContain('Key (id)=(5) already exists');
    expect(rejected[1]!.error.message).toContain('invalid input syntax for type integer: "not a number"');
    expect(rejected[3]!.error.message).toContain('violates not-null constraint');
    const count = await rows('SELECT count(*)::int AS n FROM readings');
    expect(count[0]!.n).toBe(1 + 36);
    const good = await rows('SELECT id FROM readings WHERE id <> 100 ORDER BY id');
    expect(good.map((r) => r.id)).toEqual(batch.filter((_, i) => ![9, 20, 30, 35].includes(i)).map((r) => r.id).sort((a, b) => (a as number) - (b as number)));
  });

  it('a batch of many CopyData chunks with a bad row near its end: every other row lands', async () => {
    await pool.query('CREATE TABLE chunked (id int PRIMARY KEY, label text NOT NULL)');
    const exporter = create({ url: db.url, table: 'chunked' });
    const session = await exporter.open(makeExportRun());
    const batch: DataRecord[] = Array.from({ length: 20_000 }, (_, i) => ({ id: i, label: `${i} ${'x'.repeat(i % 50)}` }));
    batch[18_500] = { id: 18_500, label: null };
    const result = await session.write(batch, signal);
    await exporter.close?.();
    expect(result.rejected?.map((r) => r.record)).toEqual([{ id: 18_500, label: null }]);
    expect(await rows('SELECT count(*)::int AS n, sum(id)::bigint AS s FROM chunked')).toEqual([{ n: 19_999, s: String((19_999 * 20_000) / 2 - 18_500) }]);
  });

  it('a record that cannot be encoded fails its batch with nothing written, and the connection carries on', async () => {
    await pool.query('CREATE TABLE unencodable (id int, doc jsonb)');
    const exporter = create({ url: db.url, table: 'unencodable', pool: { max: 1 } });
    const session = await exporter.open(makeExportRun());
    // Far more than one CopyData chunk is sent before the bad record is reached.
    const batch: DataRecord[] = Array.from({ length: 5000 }, (_, i) => ({ id: i, doc: { pad: 'p'.repeat(100) } }));
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    batch.push({ id: 5000, doc: cycle });
    const error = (await session.write(batch, signal).catch((e: unknown) => e)) as ConnectorError;
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.message).toMatch(/circular/);
    expect(await rows('SELECT count(*)::int AS n FROM unencodable')).toEqual([{ n: 0 }]);
    expect(await session.write([{ id: 1, doc: { ok: true } }], signal)).toEqual({});
    await exporter.close?.();
    expect(await rows('SELECT id, doc FROM unencodable')).toEqual([{ id: 1, doc: { ok: true } }]);
  });

  it('fails clearly when the table does not exist', async () => {
    const exporter = create({ url: db.url, table: 'nope' });
    const session = await exporter.open(makeExportRun());
    const error = (await session.write([{ id: 1 }], signal).catch((e: unknown) => e)) as ConnectorError;
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.message).toBe('export_targets.db: table nope does not exist (set create_table: true to create it)');
    expect(error.retryable).toBe(false);
    await expect(exporter.check!(signal)).rejects.toThrow('does not exist');
    await exporter.close?.();
  });

  it('create_table creates the table from the first batch', async () => {
    const exporter = create({ url: db.url, table: 'created', create_table: true });
    const session = await exporter.open(makeExportRun());
    await session.write([{ id: 1, value: 2.5, name: 'a', at: new Date('2024-01-01T00:00:00Z'), ok: true, doc: { a: 1 }, nothing: null }], signal);
    await session.write([{ id: 2, value: 3, name: 'b', at: new Date('2024-01-02T00:00:00Z'), ok: false, doc: [1], nothing: null }], signal);
    await exporter.close?.();
    const types = await rows(`SELECT column_name AS c, data_type AS t FROM information_schema.columns WHERE table_name = 'created' ORDER BY ordinal_position`);
    expect(types).toEqual([
      { c: 'id', t: 'bigint' },
      { c: 'value', t: 'double precision' },
      { c: 'name', t: 'text' },
      { c: 'at', t: 'timestamp with time zone' },
      { c: 'ok', t: 'boolean' },
      { c: 'doc', t: 'jsonb' },
      { c: 'nothing', t: 'text' },
    ]);
    expect((await rows('SELECT count(*)::int AS n FROM created'))[0]!.n).toBe(2);
  });

  it('batches written at once: the table is created once, every good row lands, a bad row is isolated in its own batch', async () => {
    const exporter = create({ url: db.url, table: 'overlapping', create_table: true, concurrency: 4 });
    const session = await exporter.open(makeExportRun());
    const batches = Array.from({ length: 8 }, (_, b) => Array.from({ length: 50 }, (_, i) => ({ id: b * 50 + i, value: b === 5 && i === 7 ? 'not a number' : b + i / 100 })));
    // The first batch creates the table with `value` as a number: the text in batch 5 is a bad value for it.
    await session.write(batches[0]!, signal);
    const results = await Promise.all(batches.slice(1).map((batch) => session.write(batch, signal)));
    await exporter.close?.();
    const rejected = results.flatMap((result) => result.rejected ?? []);
    expect(rejected.map(({ record }) => record.id)).toEqual([257]);
    expect(rejected[0]!.error.message).toMatch(/double precision/);
    const back = await rows('SELECT id FROM overlapping ORDER BY id');
    expect(back.map((row) => Number(row.id))).toEqual(batches.flat().map((record) => record.id).filter((id) => id !== 257));
  });

  it('first writes at once into a missing table: one of them creates it, once, and every row lands', async () => {
    const logger = memoryLogger();
    const exporter = create({ url: db.url, table: 'raced', create_table: true, concurrency: 4 }, testDeps({ logger }));
    const session = await exporter.open(makeExportRun());
    const batches = Array.from({ length: 4 }, (_, b) => Array.from({ length: 20 }, (_, i) => ({ id: b * 20 + i, v: `b${b}` })));
    const results = await Promise.all(batches.map((batch) => session.write(batch, signal)));
    await exporter.close?.();
    expect(results).toEqual([{}, {}, {}, {}]);
    expect(logger.find('created table')).toHaveLength(1);
    expect((await rows('SELECT count(DISTINCT id)::int AS n FROM raced'))[0]!.n).toBe(80);
  });

  it('exporters of separate runs creating one table at once: all but one find it created, and every row lands', async () => {
    // Each exporter stands for another process: no shared state, only the server. Repeated, since the race is in the server's catalog.
    for (let round = 0; round < 5; round++) {
      const table = `raced_apart_${round}`;
      const exporters = Array.from({ length: 4 }, () => create({ url: db.url, table, create_table: true }));
      const results = await Promise.all(
        exporters.map(async (exporter, e) => {
          const session = await exporter.open(makeExportRun());
          return session.write(Array.from({ length: 10 }, (_, i) => ({ id: e * 10 + i })), signal);
        }),
      );
      await Promise.all(exporters.map((exporter) => exporter.close?.()));
      expect(results).toEqual([{}, {}, {}, {}]);
      expect((await rows(`SELECT count(DISTINCT id)::int AS n FROM ${table}`))[0]!.n).toBe(40);
    }
  });

  it('create_table takes every field of the batch, in the order first seen, whatever each record holds', async () => {
    const exporter = create({ url: db.url, table: 'created_mixed', create_table: true });
    const session = await exporter.open(makeExportRun());
    const batch = [{ a: 1, b: 'x' }, { a: 2, b: 'y' }, { b: 'z', a: 3, c: true }, { a: 4 }, { d: 'w', a: 5 }, { a: 6, b: 'v', c: false, d: 'u' }];
    await session.write(batch, signal);
    await exporter.close?.();
    const columns = await rows(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'created_mixed' ORDER BY ordinal_position`);
    expect(columns.map((c) => c.c)).toEqual(['a', 'b', 'c', 'd']);
    expect(await rows('SELECT a::int, b, c, d FROM created_mixed ORDER BY a')).toEqual([
      { a: 1, b: 'x', c: null, d: null },
      { a: 2, b: 'y', c: null, d: null },
      { a: 3, b: 'z', c: true, d: null },
      { a: 4, b: null, c: null, d: null },
      { a: 5, b: null, c: null, d: 'w' },
      { a: 6, b: 'v', c: false, d: 'u' },
    ]);
  });
});

describe('upsert', () => {
  it('re-running produces no duplicates; within a batch the last record per key wins', async () => {
    const exporter = create({ url: db.url, table: 'latest', mode: 'upsert', conflict_columns: ['sensor'], create_table: true });
    const batch = [
      { sensor: 's1', value: 1 },
      { sensor: 's2', value: 2 },
      { sensor: 's1', value: 3 },
    ];
    for (let run = 0; run < 3; run++) {
      const session = await exporter.open(makeExportRun());
      expect(await session.write(batch, signal)).toEqual({});
      await session.end(signal);
    }
    const session = await exporter.open(makeExportRun());
    await session.write([{ sensor: 's2', value: 20 }, { sensor: 's3', value: 'bad' }, { sensor: 's4', value: 4 }], signal).then((result) => {
      expect(result?.rejected?.map((r) => r.record.sensor)).toEqual(['s3']);
    });
    await exporter.close?.();
    expect(await rows('SELECT sensor, value::int AS value FROM latest ORDER BY sensor')).toEqual([
      { sensor: 's1', value: 3 },
      { sensor: 's2', value: 20 },
      { sensor: 's4', value: 4 },
    ]);
  });

  it('a batch too big for one statement is written in one transaction, and a bad row in it is isolated', async () => {
    await pool.query('CREATE TABLE wide (id int PRIMARY KEY, v int)');
    const exporter = create({ url: db.url, table: 'wide', mode: 'upsert', conflict_columns: ['id'] });
    const batch: DataRecord[] = Array.from({ length: 40_000 }, (_, i) => ({ id: i, v: i }));
    batch[39_000] = { id: 39_000, v: 'bad' };
    const session = await exporter.open(makeExportRun());
    const result = await session.write(batch, signal);
    await exporter.close?.();
    expect(result?.rejected?.map((r) => r.record.id)).toEqual([39_000]);
    expect((await rows('SELECT count(*)::int AS n FROM wide'))[0]!.n).toBe(39_999);
  });

  it('update_columns: [] keeps existing rows', async () => {
    await pool.query('CREATE TABLE keep (id int PRIMARY KEY, v text)');
    const exporter = create({ url: db.url, table: 'keep', mode: 'upsert', conflict_columns: ['id'], update_columns: [] });
    const session = await exporter.open(makeExportRun());
    await session.write([{ id: 1, v: 'first' }], signal);
    await session.write([{ id: 1, v: 'second' }, { id: 2, v: 'new' }], signal);
    await exporter.close?.();
    expect(await rows('SELECT * FROM keep ORDER BY id')).toEqual([
      { id: 1, v: 'first' },
      { id: 2, v: 'new' },
    ]);
  });
});

describe('upsert: every record ends up written, superseded by a written one, or refused', () => {
  /** Writes `batch` in one session and returns the ids of the refused records and the table. */
  async function upsert(table: string, batch: DataRecord[], options: Record<string, unknown> = {}): Promise<{ refused: unknown[]; reasons: string[]; table: Record<string, unknown>[] }> {
    const exporter = create({ url: db.url, table, mode: 'upsert', conflict_columns: ['k'], ...options });
    const session = await exporter.open(makeExportRun());
    const result = await session.write(batch, signal);
    await exporter.close?.();
    return {
      refused: (result.rejected ?? []).map((r) => r.record.id),
      reasons: (result.rejected ?? []).map((r) => r.error.message),
      table: await rows(`SELECT * FROM ${table} ORDER BY k`),
    };
  }

  it('the last record of a key is refused: the one before it is written instead', async () => {
    await pool.query('CREATE TABLE up_check (k text PRIMARY KEY, qty int CHECK (qty >= 0))');
    const result = await upsert('up_check', [
      { id: 1, k: 'a', qty: 10 },
      { id: 2, k: 'b', qty: 20 },
      { id: 3, k: 'a', qty: -5 },
      { id: 4, k: 'c', qty: -1 },
      { id: 5, k: 'b', qty: 21 },
    ], { columns: { k: 'k', qty: 'qty' } });
    // As if written one by one: id 3 and 4 refused, a keeps id 1's value, b id 5's.
    expect(result.refused).toEqual([3, 4]);
    expect(result.table).toEqual([
      { k: 'a', qty: 10 },
      { k: 'b', qty: 21 },
    ]);
  });

  it('several refused records of a key: the latest good one wins; all refused: each is dead-lettered', async () => {
    await pool.query('CREATE TABLE up_chain (k text PRIMARY KEY, qty int CHECK (qty >= 0))');
    const batch = [
      { id: 1, k: 'a', qty: 1 },
      { id: 2, k: 'a', qty: 2 },
      { id: 3, k: 'a', qty: -3 },
      { id: 4, k: 'z', qty: -1 },
      { id: 5, k: 'a', qty: -4 },
      { id: 6, k: 'z', qty: -2 },
    ];
    const result = await upsert('up_chain', batch, { columns: { k: 'k', qty: 'qty' } });
    expect(result.refused.sort()).toEqual([3, 4, 5, 6]);
    expect(result.table).toEqual([{ k: 'a', qty: 2 }]);
  });

  it('with update_columns: [] (DO NOTHING) the first good record of a key is the one inserted, as one-by-one writes would', async () => {
    await pool.query('CREATE TABLE up_first (k text PRIMARY KEY, qty int CHECK (qty >= 0))');
    const result = await upsert('up_first', [
      { id: 1, k: 'a', qty: -1 },
      { id: 2, k: 'a', qty: 2 },
      { id: 3, k: 'a', qty: 3 },
    ], { columns: { k: 'k', qty: 'qty' }, update_columns: [] });
    expect(result.refused).toEqual([1]);
    expect(result.table).toEqual([{ k: 'a', qty: 2 }]);
  });

  it('keys equal for the server but not as text (1.0, 1, 1.00 in a numeric key): written one by one, the last wins, nothing else refused', async () => {
    await pool.query('CREATE TABLE up_numeric (k numeric PRIMARY KEY, qty int CHECK (qty >= 0))');
    const result = await upsert('up_numeric', [
      { id: 4, k: '1.0', qty: 1 },
      { id: 5, k: '1', qty: 2 },
      { id: 6, k: '1.00', qty: 3 },
      { id: 7, k: '2', qty: 7 },
      { id: 8, k: '3', qty: -8 },
      { id: 9, k: '1.0', qty: -9 },
    ], { columns: { k: 'k', qty: 'qty' } });
    expect(result.refused).toEqual([8, 9]);
    // The key keeps the text it was inserted with; qty is the last record's.
    expect(result.table.map((r) => ({ k: String(r.k), qty: r.qty }))).toEqual([
      { k: '1.0', qty: 3 },
      { k: '2', qty: 7 },
    ]);
  });

  it('microseconds in the key: distinct source rows stay distinct', async () => {
    await pool.query('CREATE TABLE up_micro (sensor text, at timestamptz, v int, PRIMARY KEY (sensor, at))');
    const { rows: source } = await pool.query({
      text: `SELECT 's1' AS sensor, t AS at, n AS v FROM unnest(ARRAY['2024-05-01 10:00:00.000100+00', '2024-05-01 10:00:00.000200+00', '2024-05-01 10:00:00.000300+00']::timestamptz[]) WITH ORDINALITY u(t, n)`,
      types: typeParsers,
    });
    const exporter = create({ url: db.url, table: 'up_micro', mode: 'upsert', conflict_columns: ['sensor', 'at'] });
    const session = await exporter.open(makeExportRun());
    expect(await session.write(source, signal)).toEqual({});
    await exporter.close?.();
    expect(await rows(`SELECT at::text AS at, v FROM up_micro ORDER BY at`)).toEqual([
      { at: '2024-05-01 10:00:00.0001+00', v: 1 },
      { at: '2024-05-01 10:00:00.0002+00', v: 2 },
      { at: '2024-05-01 10:00:00.0003+00', v: 3 },
    ]);
  });
});

describe('values written exactly', () => {
  it('PostgreSQL to PostgreSQL: timestamps with microseconds, far years and json numbers arrive unchanged', async () => {
    await pool.query(`CREATE TABLE exact_src (id int, tz timestamptz, ts timestamp, tss timestamptz[], j json, jb jsonb);
      INSERT INTO exact_src VALUES
        (1, '2024-06-30 23:59:59.999999+02', '2024-01-01 12:34:56.789123', ARRAY['2024-01-01 00:00:00.000001+00']::timestamptz[], '{"n": 1e400}', '{"big": 12345678901234567890, "f": 0.1000000000000000055511151231257827}'),
        (2, '0044-03-15 12:00:00.123456+00 BC', '0044-03-15 12:00:00 BC', NULL, '[12345678901234567890123]', '99999999999999999999'),
        (3, '12345-01-01 00:00:00.5+00', '2024-01-01 00:00:00', NULL, '1.5', '{"a": [1, 2.5, "1e400"]}');
      CREATE TABLE exact_dst (LIKE exact_src)`);
    const { rows: source } = await pool.query({ text: 'SELECT * FROM exact_src', types: typeParsers });
    const exporter = create({ url: db.url, table: 'exact_dst' });
    const session = await exporter.open(makeExportRun());
    expect(await session.write(source, signal)).toEqual({});
    await exporter.close?.();
    const differ = await rows(`SELECT id, tz::text, ts::text, tss::text, j::jsonb::text, jb::text FROM exact_src EXCEPT SELECT id, tz::text, ts::text, tss::text, j::jsonb::text, jb::text FROM exact_dst`);
    expect(differ).toEqual([]);
    expect((await rows('SELECT count(*)::int AS n FROM exact_dst'))[0]!.n).toBe(3);
  });
});

describe('refused rows', () => {
  it('a trigger raising an exception refuses its row only, in insert and upsert mode', async () => {
    await pool.query(`CREATE TABLE trg_dst (k text PRIMARY KEY, qty int);
      CREATE FUNCTION trg_chk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF NEW.qty < 0 THEN RAISE EXCEPTION 'qty must be >= 0, got %', NEW.qty; END IF; RETURN NEW; END $$;
      CREATE TRIGGER trg BEFORE INSERT OR UPDATE ON trg_dst FOR EACH ROW EXECUTE FUNCTION trg_chk()`);
    const batch = Array.from({ length: 8 }, (_, i) => ({ k: `k${i}`, qty: i === 5 ? -5 : i }));
    for (const options of [{}, { mode: 'upsert', conflict_columns: ['k'] }]) {
      await pool.query('TRUNCATE trg_dst');
      const exporter = create({ url: db.url, table: 'trg_dst', ...options });
      const session = await exporter.open(makeExportRun());
      const result = await session.write(batch, signal);
      await exporter.close?.();
      expect(result.rejected?.map((r) => [r.record.k, r.error.message])).toEqual([['k5', 'qty must be >= 0, got -5 (SQLSTATE P0001)']]);
      expect((await rows('SELECT count(*)::int AS n FROM trg_dst'))[0]!.n).toBe(7);
    }
  });

  it('the reason names the column the server refused a value of', async () => {
    await pool.query('CREATE TABLE named (id int, qty int, code varchar(3), note text NOT NULL)');
    const batch = [
      { id: 1, qty: 'x12', code: 'a', note: 'n' },
      { id: 2, qty: 99999999999, code: 'b', note: 'n' },
      { id: 3, qty: 1, code: 'c', note: null },
      { id: 4, qty: 1, code: 'd', note: 'n' },
    ];
    for (const options of [{}, { mode: 'upsert', conflict_columns: ['id'] }]) {
      await pool.query(`DROP TABLE named; CREATE TABLE named (id int PRIMARY KEY, qty int, code varchar(3), note text NOT NULL)`);
      const exporter = create({ url: db.url, table: 'named', ...options });
      const session = await exporter.open(makeExportRun());
      const result = await session.write(batch, signal);
      await exporter.close?.();
      expect(result.rejected?.map((r) => r.error.message)).toEqual([
        'column "qty": invalid input syntax for type integer: "x12" (SQLSTATE 22P02)',
        'column "qty": value "99999999999" is out of range for type integer (SQLSTATE 22003)',
        expect.stringMatching(/^null value in column "note" of relation "named" violates not-null constraint \(SQLSTATE 23502\)/),
      ]);
    }
  });
});

describe('check()', () => {
  it('fails for an upsert key without a unique index, a mapping to a missing column, and passes a good configuration', async () => {
    await pool.query(`CREATE TABLE chk (id int, sensor text, at timestamptz, v int, UNIQUE (sensor, at));
      CREATE UNIQUE INDEX chk_partial ON chk (id) WHERE v > 0`);
    const check = async (options: Record<string, unknown>): Promise<string | undefined> => {
      const exporter = create({ url: db.url, table: 'chk', ...options });
      try {
        await exporter.check!(signal);
        return undefined;
      } catch (error) {
        expect(error).toBeInstanceOf(ConnectorError);
        return (error as Error).message;
      } finally {
        await exporter.close?.();
      }
    };
    expect(await check({ mode: 'upsert', conflict_columns: ['at', 'sensor'] })).toBeUndefined();
    expect(await check({ columns: { v: 'v', id: 'id' } })).toBeUndefined();
    expect(await check({ mode: 'upsert', conflict_columns: ['id'] })).toMatch(
      /export_targets\.db\.conflict_columns.*chk has no unique index or constraint on exactly \(id\).*unique keys: \(at, sensor\)/,
    );
    expect(await check({ mode: 'upsert', conflict_columns: ['sensor'] })).toMatch(/no unique index or constraint on exactly \(sensor\)/);
    expect(await check({ columns: { v: 'value' } })).toMatch(/export_targets\.db\.columns.*column "value" \(mapped from field "v"\) does not exist in chk/);
    expect(await check({ mode: 'upsert', conflict_columns: ['nope'] })).toMatch(/conflict_columns.*column "nope" does not exist/);
    expect(await check({ mode: 'upsert', conflict_columns: ['sensor', 'at'], columns: { s: 'sensor', v: 'v' } })).toMatch(/conflict column "at" is not among the columns the mapping writes/);
    expect(await check({ mode: 'upsert', conflict_columns: ['sensor', 'at'], update_columns: ['w'] })).toMatch(/update_columns.*column "w" does not exist/);
    expect(await check({ table: 'missing_but_created', create_table: true, mode: 'upsert', conflict_columns: ['id'] })).toBeUndefined();
  });
});

describe('connection failures', () => {
  it('prepare connects and looks the table up without writing; a missing table is left to the first write', async () => {
    const table = uniqueName('warm');
    await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v text)`);
    const exporter = create({ url: db.url, table });
    await exporter.prepare!(signal);
    // The pooled connection stays open for the first write; nothing was written.
    const sessions = await rows(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'sluice'`);
    expect(sessions[0]!.n).toBeGreaterThanOrEqual(1);
    expect(await rows(`SELECT * FROM ${table}`)).toEqual([]);
    const session = await exporter.open(makeExportRun());
    await session.write([{ id: 1, v: 'a' }], signal);
    expect(await rows(`SELECT * FROM ${table}`)).toEqual([{ id: 1, v: 'a' }]);
    await exporter.close?.();

    const missing = create({ url: db.url, table: uniqueName('missing') });
    await missing.prepare!(signal);
    const error = (await (await missing.open(makeExportRun())).write([{ id: 1 }], signal).catch((e: unknown) => e)) as ConnectorError;
    expect(error.message).toContain('does not exist');
    await missing.close?.();
    const unreachable = create({ host: '127.0.0.1', port: 1, table: 't', connect_timeout: '2s' });
    await expect(unreachable.prepare!(signal)).rejects.toThrow(ConnectorError);
    await unreachable.close?.();
  });

  it('an unreachable server is a retryable error', async () => {
    const exporter = create({ host: '127.0.0.1', port: 1, table: 't', connect_timeout: '2s' });
    const session = await exporter.open(makeExportRun());
    const error = (await session.write([{ id: 1 }], signal).catch((e: unknown) => e)) as ConnectorError;
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error.retryable).toBe(true);
    await exporter.close?.();
  });

  const unavailable = throwawayPostgresUnavailable();
  it.skipIf(unavailable !== undefined)(`PostgreSQL restarted mid-run: the batch fails retryably, nothing lands twice${unavailable ? ` (skipped: ${unavailable})` : ''}`, async () => {
    const cluster = await startThrowawayPostgres();
    try {
      const exporter = create({ url: cluster.url, table: 'events', create_table: true, mode: 'upsert', conflict_columns: ['id'] });
      const session = await exporter.open(makeExportRun());
      const batches = [0, 1, 2, 3].map((b) => Array.from({ length: 500 }, (_, i) => ({ id: b * 500 + i, v: `b${b}` })));
      await session.write(batches[0]!, signal);
      cluster.stop();
      const error = (await session.write(batches[1]!, signal).catch((e: unknown) => e)) as ConnectorError;
      expect(error).toBeInstanceOf(ConnectorError);
      expect(error.retryable).toBe(true);
      cluster.start();
      // What core's retry does: write the failed batch again, then carry on.
      await session.write(batches[1]!, signal);
      await session.write(batches[2]!, signal);
      await session.write(batches[3]!, signal);
      await session.end(signal);
      await exporter.close?.();
      expect(await countEvents(cluster.url)).toEqual({ n: 2000, d: 2000 });
    } finally {
      cluster.destroy();
    }
  });
});

describe('connection failures with writes in flight', () => {
  const unavailable = throwawayPostgresUnavailable();
  it.skipIf(unavailable !== undefined)(`PostgreSQL restarted while two appends are in flight: both fail retryably, their retries land once${unavailable ? ` (skipped: ${unavailable})` : ''}`, async () => {
    const cluster = await startThrowawayPostgres();
    try {
      const exporter = create({ url: cluster.url, table: 'events', create_table: true, concurrency: 2 });
      expect(exporter.maxInFlight).toBe(2);
      const session = await exporter.open(makeExportRun());
      const batches = [0, 1, 2, 3, 4].map((b) => Array.from({ length: 500 }, (_, i) => ({ id: b * 500 + i, v: `b${b}` })));
      // Two pooled connections open and in use.
      await Promise.all([session.write(batches[0]!, signal), session.write(batches[1]!, signal)]);
      cluster.stop();
      const failed = await Promise.all([batches[2]!, batches[3]!].map((batch) => session.write(batch, signal).catch((e: unknown) => e as ConnectorError)));
      for (const error of failed) {
        expect(error).toBeInstanceOf(ConnectorError);
        expect((error as ConnectorError).retryable).toBe(true);
      }
      cluster.start();
      // What core's retry does: each failed batch again, alongside the next one.
      await Promise.all([session.write(batches[2]!, signal), session.write(batches[3]!, signal)]);
      await session.write(batches[4]!, signal);
      await session.end(signal);
      await exporter.close?.();
      expect(await countEvents(cluster.url)).toEqual({ n: 2500, d: 2500 });
    } finally {
      cluster.destroy();
    }
  });
});

describeExporterConformance('postgresql', {
  records: flatConformanceRecords,
  isolatesRuns: false,
  async setup() {
    const table = uniqueName('conf');
    await pool.query(`CREATE TABLE ${table} (id int, int_value bigint, float_value float8, text text, flag boolean, maybe_null text, created_at timestamptz)`);
    const exporter = create({ url: db.url, table });
    return {
      exporter,
      async readBack() {
        return (await pool.query(`SELECT * FROM ${table}`)).rows.map((r) => ({ ...r, int_value: Number(r.int_value) }));
      },
      async teardown() {
        await exporter.close?.();
      },
    };
  },
});
