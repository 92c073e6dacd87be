import { ConnectorError, type DataRecord } from '@sluice/core';
import { makeExportRun, memoryLogger } from '@sluice/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import redis from '../src/index.js';
import { createExporter, deps, testRedis } from './helpers.js';

const { prefix, client, url, cleanup } = testRedis('sluice_redis_types');
afterAll(async () => {
  await cleanup();
  client.disconnect();
});

const at = new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 250));
const alerts: DataRecord[] = [
  { sensor_id: 's-1', value: 1250.5, ok: false, at, site: null, payload: { temp: 21, tags: ['a'] } },
  { sensor_id: 's-2', value: 7, ok: true, at, site: 'north', payload: null },
  { sensor_id: 's-1', value: 1300, ok: true, at, site: 'south', payload: { temp: 22 } },
];

async function writeAll(options: Record<string, unknown>, batches: DataRecord[][], rule = 'hot') {
  const exporter = createExporter({ url, ...options });
  const run = makeExportRun({ rule });
  const session = await exporter.open(run);
  const rejected = [];
  for (const batch of batches) rejected.push(...((await session.write(batch, run.signal))?.rejected ?? []));
  await session.end(run.signal);
  await exporter.close();
  return { run, rejected };
}

describe('hash', () => {
  it('stores record fields: numbers and booleans as text, Dates as ISO, nested as JSON, nulls omitted; ttl set', async () => {
    const key = `${prefix}h1:{rule}:{sensor_id}`;
    const { rejected } = await writeAll({ key_template: key, ttl: '1h' }, [alerts.slice(0, 2)]);
    expect(rejected).toEqual([]);
    expect(await client.hgetall(`${prefix}h1:hot:s-1`)).toEqual({
      sensor_id: 's-1',
      value: '1250.5',
      ok: 'false',
      at: '2024-05-01T12:00:00.250Z',
      payload: '{"temp":21,"tags":["a"]}',
    });
    expect(await client.hgetall(`${prefix}h1:hot:s-2`)).toEqual({ sensor_id: 's-2', value: '7', ok: 'true', at: at.toISOString(), site: 'north' });
    for (const id of ['s-1', 's-2']) {
      const ttl = await client.pttl(`${prefix}h1:hot:${id}`);
      expect(ttl).toBeGreaterThan(3_500_000);
      expect(ttl).toBeLessThanOrEqual(3_600_000);
    }
  });

  it('merges fields by default, replaces the hash with overwrite', async () => {
    await writeAll({ key_template: `${prefix}merge:{sensor_id}` }, [[alerts[0]!], [{ sensor_id: 's-1', value: 1 }]]);
    expect(await client.hgetall(`${prefix}merge:s-1`)).toMatchObject({ value: '1', ok: 'false' });
    await writeAll({ key_template: `${prefix}over:{sensor_id}`, overwrite: true }, [[alerts[0]!], [{ sensor_id: 's-1', value: 1 }]]);
    expect(await client.hgetall(`${prefix}over:s-1`)).toEqual({ sensor_id: 's-1', value: '1' });
    expect(await client.pttl(`${prefix}over:s-1`)).toBe(-1);
  });

  it('dead-letters a record missing a placeholder field, with the reason, and writes the rest', async () => {
    const { rejected } = await writeAll({ key_template: `${prefix}miss:{sensor_id}` }, [[{ value: 1 }, { sensor_id: null, value: 2 }, alerts[1]!]]);
    expect(rejected.map((r) => r.record)).toEqual([{ value: 1 }, { sensor_id: null, value: 2 }]);
    expect(rejected[0]!.error).toBeInstanceOf(ConnectorError);
    expect(rejected[0]!.error.message).toBe(`export_targets.cache: key_template "${prefix}miss:{sensor_id}": field "sensor_id" is missing, null or not a scalar`);
    expect(await client.hgetall(`${prefix}miss:s-2`)).toMatchObject({ value: '7' });
  });

  it('rejects only the records whose command fails inside a chunk (WRONGTYPE)', async () => {
    await client.set(`${prefix}wrong:s-2`, 'not a hash');
    const { rejected } = await writeAll({ key_template: `${prefix}wrong:{sensor_id}`, batch_size: 2 }, [alerts]);
    expect(rejected.map((r) => r.record)).toEqual([alerts[1]]);
    expect(rejected[0]!.error.message).toMatch(new RegExp(`^export_targets.cache: key "${prefix}wrong:s-2": WRONGTYPE`));
    expect(await client.hget(`${prefix}wrong:s-1`, 'value')).toBe('1300');
    expect(await client.get(`${prefix}wrong:s-2`)).toBe('not a hash');
  });

  it('rejects only the record holding a lone UTF-16 surrogate, which redis cannot store, naming the field', async () => {
    const lone = { sensor_id: 's-9', name: 'lone \ud800 surrogate' };
    const { rejected } = await writeAll({ key_template: `${prefix}sur:{sensor_id}` }, [[alerts[0]!, lone, alerts[1]!]]);
    expect(rejected.map((r) => r.record)).toEqual([lone]);
    expect(rejected[0]!.error.message).toBe(
      'export_targets.cache: field "name" holds text that is not valid Unicode (a lone UTF-16 surrogate), which redis cannot store as UTF-8 text',
    );
    expect(await client.hget(`${prefix}sur:s-1`, 'value')).toBe('1250.5');
    expect(await client.hget(`${prefix}sur:s-2`, 'value')).toBe('7');
    expect(await client.exists(`${prefix}sur:s-9`)).toBe(0);
    // A JSON value escapes the surrogate, so a list keeps the record as it is.
    await writeAll({ data_type: 'list', key_template: `${prefix}surq` }, [[lone]]);
    expect(JSON.parse((await client.lindex(`${prefix}surq`, 0))!)).toEqual(lone);
  });

  it('rejects a record whose fields are all null', async () => {
    const { rejected } = await writeAll({ key_template: `${prefix}empty:{rule}` }, [[{ a: null }]]);
    expect(rejected[0]!.error.message).toContain('no non-null field');
  });

  it('resolves dotted placeholders into nested fields and sanitises values', async () => {
    await writeAll({ key_template: `${prefix}dot:{payload.temp}:{site}` }, [[{ ...alerts[0]!, site: '../x/y' }]]);
    expect(await client.exists(`${prefix}dot:21:.._x_y`)).toBe(1);
  });
});

describe('list', () => {
  it('pushes JSON records to the tail in order, trims to max_length, sets the ttl', async () => {
    const batches = [[alerts[0]!, alerts[1]!], [alerts[2]!]];
    await writeAll({ data_type: 'list', key_template: `${prefix}q:{rule}`, max_length: 2, ttl: 60 }, batches);
    const entries = (await client.lrange(`${prefix}q:hot`, 0, -1)).map((e) => JSON.parse(e) as DataRecord);
    expect(entries).toEqual(JSON.parse(JSON.stringify([alerts[1], alerts[2]])));
    const ttl = await client.pttl(`${prefix}q:hot`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('pushes to the head with push: left and keeps the newest max_length', async () => {
    await writeAll({ data_type: 'list', key_template: `${prefix}ql`, push: 'left', max_length: 2, value_field: 'value' }, [alerts]);
    expect(await client.lrange(`${prefix}ql`, 0, -1)).toEqual(['1300', '7']);
  });

  it('rejects a record without the value_field', async () => {
    const { rejected } = await writeAll({ data_type: 'list', key_template: `${prefix}qv`, value_field: 'site' }, [alerts]);
    expect(rejected.map((r) => r.record)).toEqual([alerts[0]]);
    expect(rejected[0]!.error.message).toContain('value_field "site" is missing or null');
    expect(await client.lrange(`${prefix}qv`, 0, -1)).toEqual(['north', 'south']);
  });
});

describe('string', () => {
  it('sets the JSON record (last write wins) with PX ttl', async () => {
    await writeAll({ data_type: 'string', key_template: `${prefix}s:{sensor_id}`, ttl: '2m' }, [alerts]);
    expect(JSON.parse((await client.get(`${prefix}s:s-1`))!)).toEqual(JSON.parse(JSON.stringify(alerts[2])));
    expect(JSON.parse((await client.get(`${prefix}s:s-2`))!)).toEqual(JSON.parse(JSON.stringify(alerts[1])));
    const ttl = await client.pttl(`${prefix}s:s-1`);
    expect(ttl).toBeGreaterThan(110_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
  });

  it('stores value_field text when given', async () => {
    await writeAll({ data_type: 'string', key_template: `${prefix}sv:{sensor_id}`, value_field: 'at' }, [[alerts[0]!]]);
    expect(await client.get(`${prefix}sv:s-1`)).toBe(at.toISOString());
    expect(await client.pttl(`${prefix}sv:s-1`)).toBe(-1);
  });
});

describe('set', () => {
  it('adds value_field members with a ttl', async () => {
    await writeAll({ data_type: 'set', key_template: `${prefix}set:{rule}`, value_field: 'sensor_id', ttl: '1d' }, [alerts]);
    expect((await client.smembers(`${prefix}set:hot`)).sort()).toEqual(['s-1', 's-2']);
    expect(await client.pttl(`${prefix}set:hot`)).toBeGreaterThan(86_000_000);
  });
});

describe('stream', () => {
  it('adds one entry per record with its fields, trimmed exactly with approximate_trim: false', async () => {
    await writeAll({ data_type: 'stream', key_template: `${prefix}x:{rule}`, max_length: 2, approximate_trim: false, ttl: '10m' }, [alerts]);
    const entries = await client.xrange(`${prefix}x:hot`, '-', '+');
    expect(entries.map(([, words]) => words)).toEqual([
      ['sensor_id', 's-2', 'value', '7', 'ok', 'true', 'at', at.toISOString(), 'site', 'north'],
      ['sensor_id', 's-1', 'value', '1300', 'ok', 'true', 'at', at.toISOString(), 'site', 'south', 'payload', '{"temp":22}'],
    ]);
    expect(await client.pttl(`${prefix}x:hot`)).toBeGreaterThan(590_000);
  });

  it('stores the JSON record in a data field with stream_format: json', async () => {
    await writeAll({ data_type: 'stream', key_template: `${prefix}xj`, stream_format: 'json' }, [[alerts[1]!]]);
    const [[, words]] = (await client.xrange(`${prefix}xj`, '-', '+')) as [[string, string[]]];
    expect(words[0]).toBe('data');
    expect(JSON.parse(words[1]!)).toEqual(JSON.parse(JSON.stringify(alerts[1])));
  });
});

describe('connector', () => {
  it('fails at startup on a key_template that does not parse, naming the path', () => {
    const options = { ...redis.schema.parse({ url, key_template: 'k' }), key_template: 'alert:{sensor_id' };
    expect(() => redis.create(options, deps())).toThrow(/^export_targets\.cache: key_template: template .* never closed/);
  });

  it('validates options through its schema', () => {
    const exporterSchema = (o: Record<string, unknown>) => createExporter(o);
    expect(() => exporterSchema({ key_template: 'k', sentinels: ['127.0.0.1:26379'] })).toThrow(/master group name/);
    expect(() => exporterSchema({ key_template: 'k', data_typ: 'hash' })).toThrow(/data_typ/);
    expect(() => exporterSchema({ key_template: 'k', ttl: 'soon' })).toThrow(/not a duration/);
  });

  it('warns when a hash key names no record field', () => {
    const logger = memoryLogger();
    createExporter({ url, key_template: `${prefix}{rule}` }, { logger });
    expect(logger.find('names no record field', 'warn')).toHaveLength(1);
  });

  it('check() classifies an unreachable server as retryable without leaking the password', async () => {
    const exporter = createExporter({ url: 'redis://user:s3cret@127.0.0.1:1/0', key_template: 'k:{id}', connect_timeout: '1s' });
    const error = await exporter.check!(new AbortController().signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    await exporter.close();
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).retryable).toBe(true);
    expect((error as Error).message).toMatch(/^export_targets\.cache: PING on redis redis:\/\/127\.0\.0\.1:1\/0 failed/);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('uses an injected client and leaves it open on close()', async () => {
    const exporter = createExporter({ key_template: `${prefix}inj:{sensor_id}` }, { client });
    await exporter.check!(new AbortController().signal);
    const run = makeExportRun();
    await (await exporter.open(run)).write([alerts[1]!], run.signal);
    await exporter.close();
    await exporter.close();
    expect(await client.hget(`${prefix}inj:s-2`, 'value')).toBe('7');
  });
});
