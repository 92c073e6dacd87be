import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConnectorError, z } from '@sluice/core';
import { testEndpoints } from '@sluice/testkit';
import { connectionShape, isConnectionLevel, isRowLevel, parseTimestamptz, parseTimestamptzAt, parseTimestampUtc, parseTimestampUtcAt, poolOptions, rangeParser, refineConnection, toConnectorError, typeParsers } from '../src/index.js';

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
