import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConnectorError, toNumber, toTime, z } from '@sluice/core';
import { testEndpoints } from '@sluice/testkit';
import { connectionShape, isConnectionLevel, isRowLevel, JsonNumber, jsonText, MicrosecondDate, microsecondsOf, parseJson, parseTimestamptz, parseTimestamptzAt, parseTimestampUtc, parseTimestampUtcAt, poolOptions, rangeParser, refineConnection, toConnectorError, typeParsers } from '../src/index.js';

const schema = z.strictObject(connectionShape).superRefine(refineConnection);

describe('connection options', () => {
  it('takes the seed fields or a url, not both', () => {
    expect(schema.safeParse({ host: 'h', port: 5432, database: 'd', username: 'u', password: 'p' }).success).toBe(true);
    const both = schema.safeParse({ url: 'postgres://u@h/d', password: 'p' });
    expect(both.success).toBe(false);
    expect(both.error?.issues[0]?.path).toEqual(['password']);
  });

  it('builds pool options with durations in milliseconds', () => {
    const options = poolOptions(schema.parse({ host: 'db', username: 'u', statement_timeout: '5s', pool: { max: 2 } }), 'datasources.db', '/');
    expect(options).toEqual({
      application_name: 'sluice',
      connectionTimeoutMillis: 10_000,
      statement_timeout: 5_000,
      max: 2,
      idleTimeoutMillis: 30_000,
      host: 'db',
      port: 5432,
      user: 'u',
    });
    expect(() => poolOptions(schema.parse({ connect_timeout: 'soon' }), 'datasources.db', '/')).toThrow(/datasources\.db.*connect_timeout: "soon"/);
  });
});

describe('errors', () => {
  it('reports the server message and position, classified, without the password', async () => {
    const client = new pg.Client({ connectionString: testEndpoints().pgUrl });
    await client.connect();
    try {
      const sql = 'SELECT 1 FORM t';
      const error = await client.query(sql).then(() => undefined, (e: unknown) => e);
      const wrapped = toConnectorError(error, 'datasources.db', 'query failed', sql);
      expect(wrapped).toBeInstanceOf(ConnectorError);
      expect(wrapped.message).toMatch(/syntax error at or near "t" \(SQLSTATE 42601\) at position 15/);
      expect(wrapped.retryable).toBe(false);
      const bad = await client.query(`SELECT 'x'::int`).then(() => undefined, (e: unknown) => e);
      expect(isRowLevel(bad)).toBe(true);
    } finally {
      await client.end();
    }
    const refused = toConnectorError(Object.assign(new Error('connect ECONNREFUSED postgres://u:s3cret@h/d'), { code: 'ECONNREFUSED' }), 'x', 'cannot connect');
    expect(refused.retryable).toBe(true);
    expect(refused.message).not.toContain('s3cret');
    expect(isConnectionLevel({ code: '57P01' })).toBe(true); // admin shutdown
    expect(isConnectionLevel({ code: '57014' })).toBe(false); // statement timeout: retrying would time out again
    expect(isRowLevel({ code: '23505' })).toBe(true);
    expect(isRowLevel({ code: '08006' })).toBe(false);
  });
});

describe('type parsers', () => {
  it('keeps numerics exact and reads timestamps as UTC', () => {
    expect(typeParsers.getTypeParser(1700)('12345678901234567890.5')).toBe('12345678901234567890.5');
    expect(typeParsers.getTypeParser(20)('9223372036854775807')).toBe('9223372036854775807');
    expect(parseTimestampUtc('2024-01-02 03:04:05.678')).toEqual(new Date('2024-01-02T03:04:05.678Z'));
    expect(parseTimestampUtc('infinity')).toBe('infinity');
  });

  it('parses in place exactly what it parses cut out, whatever surrounds the value', () => {
    const texts = ['2024-01-02 03:04:05', '2024-01-02 03:04:05.6', '2024-01-02 03:04:05.678901', '0044-03-15 12:00:00 BC', 'infinity', '-infinity', '2024-01-02 03:04', ''];
    const zones = ['', '+00', '-03:30', '+05:45:12', '+1'];
    for (const text of texts) {
      for (const [before, after] of [['', ''], ['x\t', '\ty'], ['1', '9'], ['', ':00'], ['', '.5'], ['', '0']]) {
        const line = `${before}${text}${after}`;
        const start = before.length;
        const end = start + text.length;
        expect([text, parseTimestampUtcAt(line, start, end)]).toEqual([text, parseTimestampUtc(text)]);
        for (const zone of zones) {
          const tz = `${text}${zone}`;
          const zoned = `${before}${tz}${after}`;
          expect([tz, parseTimestamptzAt(zoned, start, start + tz.length)]).toEqual([tz, parseTimestamptz(tz)]);
        }
      }
    }
    expect(rangeParser(1184)).toBe(parseTimestamptzAt);
    expect(rangeParser(1114)).toBe(parseTimestampUtcAt);
    expect(rangeParser(25)).toBeUndefined();
  });
});

describe('timestamptz parser', () => {
  it('reads what the server prints, in every time zone and precision, exactly as pg does', async () => {
    const pgParse = pg.types.getTypeParser(1184, 'text');
    const client = new pg.Client({ connectionString: testEndpoints().pgUrl });
    await client.connect();
    try {
      for (const zone of ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Europe/Amsterdam', 'Pacific/Chatham', 'America/Sao_Paulo']) {
        await client.query(`SET TimeZone = '${zone}'`);
        const { rows } = await client.query<{ t: string }>(
          `SELECT (timestamptz '1000-01-01 00:00:00+00' + random() * (timestamptz '9999-12-31+00' - timestamptz '1000-01-01+00'))::text AS t FROM generate_series(1, 300)
           UNION ALL SELECT date_trunc(unit, timestamptz '2024-03-05 06:07:08.123456+00')::text FROM unnest(ARRAY['second', 'milliseconds', 'minute']) unit
           UNION ALL SELECT (timestamptz '2024-01-01 10:00:00.029+00' + n * interval '1 microsecond')::text FROM generate_series(0, 999) n
           UNION ALL SELECT t::text FROM unnest(ARRAY['infinity', '-infinity', '0044-03-15 12:00:00+00 BC', '0099-12-31 23:59:59.9+00']::timestamptz[]) t`,
        );
        for (const { t } of rows) {
          expect([t, parseTimestamptz(t)]).toEqual([t, pgParse(t)]);
          // In place inside a COPY line, followed by characters that would extend a cut-off value.
          const line = `7\t${t}:30\t`;
          expect([t, parseTimestamptzAt(line, 2, 2 + t.length)]).toEqual([t, pgParse(t)]);
        }
      }
    } finally {
      await client.end();
    }
  });
});

describe('microseconds', () => {
  it('keeps every digit the server prints: getTime() is the millisecond, toISOString() and toJSON() show all six digits', async () => {
    const client = new pg.Client({ connectionString: testEndpoints().pgUrl });
    await client.connect();
    try {
      await client.query(`SET TimeZone = 'Asia/Kolkata'`);
      const { rows } = await client.query<{ tz: string; ts: string; iso: string }>(
        `SELECT t::text AS tz, (t AT TIME ZONE 'UTC')::text AS ts, to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS iso
           FROM (SELECT timestamptz '2024-01-01 10:00:00+00' + n * interval '1 microsecond' * 7919 AS t FROM generate_series(0, 400) n
                 UNION ALL SELECT t FROM unnest(ARRAY['1969-12-31 23:59:59.999999+00', '1000-01-01 00:00:00.000001+00', '2024-06-30 23:59:59.999999+02']::timestamptz[]) t) s`,
      );
      for (const { tz, ts, iso } of rows) {
        for (const value of [parseTimestamptz(tz), parseTimestampUtc(ts), parseTimestamptzAt(`x\t${tz}\t`, 2, 2 + tz.length), parseTimestampUtcAt(`${ts}9`, 0, ts.length)]) {
          expect(value).toBeInstanceOf(Date);
          const date = value as Date;
          expect([tz, date.toISOString()]).toEqual([tz, iso.endsWith('000Z') ? iso.replace(/000Z$/, 'Z') : iso]);
          expect(date.getTime()).toBe(Math.floor(Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'))));
          expect(JSON.stringify({ date })).toBe(`{"date":"${date.toISOString()}"}`);
        }
      }
    } finally {
      await client.end();
    }
    expect(parseTimestamptz('2024-01-01 00:00:00.123+00')).not.toBeInstanceOf(MicrosecondDate);
    expect((parseTimestamptz('0044-03-15 12:00:00.123456+00 BC') as Date).toISOString()).toBe('-000043-03-15T12:00:00.123456Z');
    expect((parseTimestampUtc('0044-03-15 12:00:00.1234 BC') as Date).toISOString()).toBe('-000043-03-15T12:00:00.123400Z');
    // Past JavaScript's range no Date can hold the value: the text is kept instead of an invalid Date.
    expect(parseTimestampUtc('294276-12-31 23:59:59')).toBe('294276-12-31 23:59:59');
    expect(parseTimestamptz('294276-12-31 23:59:59+00')).toBe('294276-12-31 23:59:59+00');
  });

  it('forgets the microseconds once the Date is changed', () => {
    const date = new MicrosecondDate(Date.UTC(2024, 0, 1), 5);
    expect(date.toISOString()).toBe('2024-01-01T00:00:00.000005Z');
    date.setUTCHours(1);
    expect(date.microseconds).toBe(0);
    expect(date.toISOString()).toBe('2024-01-01T01:00:00.000Z');
    expect(microsecondsOf(new Date())).toBe(0);
  });

  it('is a Date to the rule engine: compared by its millisecond, as ISO text with more digits is', () => {
    const date = parseTimestamptz('2024-03-10 12:41:07.654321+00') as Date;
    expect(toTime(date)).toBe(Date.parse('2024-03-10T12:41:07.654Z'));
    expect(toTime(date)).toBe(toTime('2024-03-10T12:41:07.654321Z'));
  });
});

/** `value` with its bigints and JsonNumbers as the nearest doubles, what JSON.parse gives. */
function asDoubles(value: unknown): unknown {
  if (typeof value === 'bigint' || value instanceof JsonNumber) return Number(value);
  if (Array.isArray(value)) return value.map(asDoubles);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) Object.defineProperty(out, key, { value: asDoubles(member), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

describe('json', () => {
  it('parses like JSON.parse whatever the text holds (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, spaced) => {
        const text = JSON.stringify(value, null, spaced ? 2 : undefined);
        // A literal such as 108611680471987460 is no double (JSON.stringify prints the shortest text that rounds to one): it stays an exact bigint.
        expect(asDoubles(parseJson(text))).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 3000 },
    );
    // Long digit runs and exponents inside strings take the careful parser: the same values.
    const text = '{"s":"12345678901234567890 1e5 \\"q\\" \\u00e9","__proto__":{"x":1},"n":[1e2,-0,0.5e-3,123456789012345.5]}';
    expect(parseJson(text)).toStrictEqual(JSON.parse(text));
  });

  it('keeps every number of the server exact: bigints past 2^53, JsonNumber past a double', async () => {
    const client = new pg.Client({ connectionString: testEndpoints().pgUrl });
    await client.connect();
    try {
      const doc = '{"big": 12345678901234567890, "n": 1e400, "f": 0.1000000000000000055511151231257827, "s": 9007199254740993, "ok": 9007199254740991, "x": 1.25}';
      const { rows } = await client.query({
        text: `SELECT $1::jsonb AS jb, '[1e400, 123456789012345678901234567890]'::json AS j, ARRAY['{"a": 12345678901234567891}']::jsonb[] AS arr`,
        values: [doc],
        types: typeParsers,
      });
      const { jb, j, arr } = rows[0]!;
      expect(jb).toEqual({
        big: 12345678901234567890n,
        n: new JsonNumber('1' + '0'.repeat(400)),
        f: new JsonNumber('0.1000000000000000055511151231257827'),
        s: 9007199254740993n,
        ok: 9007199254740991,
        x: 1.25,
      });
      expect(j).toEqual([new JsonNumber('1e400'), 123456789012345678901234567890n]);
      expect(arr).toEqual([{ a: 12345678901234567891n }]);
      // Written back, the server reads the same values.
      const back = await client.query(`SELECT $1::jsonb = $2::jsonb AS same, $3::json::text AS j`, [jsonText(jb), doc, jsonText(j)]);
      expect(back.rows[0]).toEqual({ same: true, j: '[1e400,123456789012345678901234567890]' });
      // The rule engine sees the nearest double of a bigint, as it saw JSON.parse's number; a JsonNumber is no number to it.
      expect(toNumber(jb.big)).toBe(JSON.parse('12345678901234567890'));
      expect(toNumber(jb.n)).toBeUndefined();
      // JSON output elsewhere sees the nearest double, as JSON.parse gave.
      expect(JSON.stringify(new JsonNumber('0.1000000000000000055511151231257827'))).toBe('0.1');
      expect(JSON.stringify([new JsonNumber('1e400')])).toBe('[null]');
    } finally {
      await client.end();
    }
  });
});

describe('row-level errors', () => {
  it('blames the row for what triggers and constraints raise, never for the connection, the server or the statement', () => {
    for (const code of ['22P02', '23505', '23514', '54000', 'P0001', 'P0004', '44000', '38000', '39P01', '27000', '09000', '21000']) expect([code, isRowLevel({ code })]).toEqual([code, true]);
    for (const code of ['08006', '57P01', '57014', '53100', '53200', '58030', 'XX000', '40001', '40P01', '25006', '25P02', '42P10', '42501', '42703', '55P03', '0A000', 'HV00N']) {
      expect([code, isRowLevel({ code })]).toEqual([code, false]);
    }
    expect(isRowLevel(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(isRowLevel({ code: 'ECONNRESET' })).toBe(false);
  });
});
