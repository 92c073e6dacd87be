import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePlainBatch, packStringBatch, unpackStringBatch } from '../src/runner/codec.js';
import { MicrosecondDate } from '../src/microsecond-date.js';
import { Spool } from '../src/runner/spool.js';
import type { DataRecord } from '../src/types.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function replayAll(spool: Spool, batchSize: number): Promise<DataRecord[][]> {
  const out: DataRecord[][] = [];
  for await (const batch of spool.replay(batchSize)) out.push(batch);
  return out;
}

describe('Spool', () => {
  it('replays plain batches (one JSON line each) and tagged records in order, exactly', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-spool-test-'));
    dirs.push(dir);
    const spool = new Spool(dir);
    const plain: DataRecord[] = Array.from({ length: 7 }, (_, i) => ({ id: String(i), note: i % 2 ? 'a "quoted", line\nbreak' : '', n: i, ok: i % 3 === 0, none: null }));
    const tagged: DataRecord[] = [{ at: new Date(Date.UTC(2026, 0, 2)), big: 12345678901234567890n, bytes: Buffer.from('hi'), inf: Number.POSITIVE_INFINITY }];
    await spool.append(plain.slice(0, 4));
    await spool.append(tagged);
    await spool.append(plain.slice(4));
    expect(spool.count).toBe(8);
    const batches = await replayAll(spool, 3);
    expect(batches.flat()).toEqual([...plain.slice(0, 4), ...tagged, ...plain.slice(4)]);
    expect(batches.every((batch) => batch.length > 0)).toBe(true);
    await spool.discard();
  });

  it('replays a timestamp with microseconds with its microseconds', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-spool-test-'));
    dirs.push(dir);
    const spool = new Spool(dir);
    const at = new MicrosecondDate(Date.UTC(2024, 0, 1, 12, 0, 0, 789), 123);
    await spool.append([{ at, plain: new Date(Date.UTC(2024, 0, 1)) }]);
    const [[record]] = await replayAll(spool, 10);
    expect(record!.at).toBeInstanceOf(MicrosecondDate);
    expect((record!.at as Date).toISOString()).toBe('2024-01-01T12:00:00.789123Z');
    expect((record!.plain as Date).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(record!.plain).not.toBeInstanceOf(MicrosecondDate);
    await spool.discard();
  });

  it('encodes a batch plainly only when JSON keeps every value as it is', () => {
    expect(encodePlainBatch([{ a: 'x', b: 1.5, c: true, d: null }])).toBe('[{"a":"x","b":1.5,"c":true,"d":null}]');
    expect(encodePlainBatch([{ a: 'x' }, { at: new Date(0) }])).toBeUndefined();
    expect(encodePlainBatch([{ n: Number.NaN }])).toBeUndefined();
    expect(encodePlainBatch([{ n: 1n }])).toBeUndefined();
    expect(encodePlainBatch([{ nested: { a: 1 } }])).toBeUndefined();
    expect(encodePlainBatch([Object.assign(Object.create({ inherited: 1 }), { a: 'x' })])).toBeUndefined();
  });
});

describe('Spool, string-only batches', () => {
  async function roundTrip(batches: readonly DataRecord[][], batchSize: number): Promise<DataRecord[]> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-spool-test-'));
    dirs.push(dir);
    const spool = new Spool(dir);
    for (const batch of batches) await spool.append(batch);
    const out = (await replayAll(spool, batchSize)).flat();
    await spool.discard();
    return out;
  }

  it('packs records with one key list and string values, and gives them back exactly', () => {
    const records = [
      { id: '1', note: 'said "hello", twice', empty: '' },
      { id: '2', note: 'é 日本 😀\n\u0000', empty: '' },
    ];
    const packed = packStringBatch(records)!;
    expect(packed.keys).toEqual(['id', 'note', 'empty']);
    expect(packed.text).toBe('1said "hello", twice2é 日本 😀\n\u0000');
    expect(unpackStringBatch(packed)).toEqual(records);
  });

  it('packs nothing that could not come back as it was', () => {
    expect(packStringBatch([{ a: 'x' }, { b: 'y' }])).toBeUndefined();
    expect(packStringBatch([{ a: 'x', b: 'y' }, { b: 'y', a: 'x' }])).toBeUndefined();
    expect(packStringBatch([{ a: 'x', b: 'y' }, { a: 'x' }])).toBeUndefined();
    expect(packStringBatch([{ a: 'x' }, { a: 1 }])).toBeUndefined();
    expect(packStringBatch([{ a: 'x' }, { a: null }])).toBeUndefined();
    expect(packStringBatch([{}])).toBeUndefined();
    expect(packStringBatch([JSON.parse('{"__proto__": "x"}') as DataRecord])).toBeUndefined();
    expect(packStringBatch([Object.assign(Object.create({ inherited: 'i' }), { a: 'x' })])).toBeUndefined();
    expect(packStringBatch([{ a: 'x' }, new (class { a = 'x' })()])).toBeUndefined();
  });

  it('replays any mix of batches exactly, key order and lone surrogates included', async () => {
    const fc = (await import('fast-check')).default;
    const text = fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', ',', 'é', '😀', '\ud800', '\udc00', '') as fc.Arbitrary<string>, maxLength: 5 });
    const key = fc.oneof(fc.constantFrom('id', 'value', '0', '10', '__proto__', ''), text);
    const shaped = fc.uniqueArray(key, { minLength: 1, maxLength: 4 }).chain((keys) =>
      fc.array(fc.tuple(...keys.map(() => text)).map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]])) as DataRecord), { minLength: 1, maxLength: 6 }),
    );
    const mixed = fc.array(fc.dictionary(text, fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 3 }), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(shaped, shaped, mixed), { maxLength: 5 }), fc.integer({ min: 1, max: 7 }), async (batches, batchSize) => {
        const out = await roundTrip(batches, batchSize);
        const expected = batches.flat();
        expect(out).toEqual(expected);
        expect(out.map((record) => Object.keys(record))).toEqual(expected.map((record) => Object.keys(record)));
      }),
      { numRuns: 200 },
    );
  });

  it('replays a large packed batch in batches of the asked size', async () => {
    const records = Array.from({ length: 2500 }, (_, i) => ({ id: String(i), v: 'x'.repeat(i % 50) }));
    const out = await roundTrip([records.slice(0, 1000), records.slice(1000)], 1000);
    expect(out).toEqual(records);
  });
});

describe('Spool, CSV rows an exporter wrote', () => {
  it('replays exactly the records, quoted or not, with any separators', async () => {
    const records: DataRecord[] = [
      { id: '1', note: 'said "hello", twice', empty: '' },
      { id: '2', note: 'é 日本 😀\r\nnext', empty: '' },
      { id: '3', note: 'plain', empty: 'x' },
    ];
    for (const [delimiter, lineEnding] of [[',', '\n'], ['||', '\r\n'], ['\t', '\n']] as const) {
      const cell = (value: string) => (value === '' || /[",;|\t\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
      const text = records.map((r) => Object.values(r).map((v) => cell(v as string)).join(delimiter) + lineEnding).join('');
      const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-spool-test-'));
      dirs.push(dir);
      const spool = new Spool(dir);
      await spool.append(records, { kind: 'csv-rows', bytes: Buffer.from(text), keys: ['id', 'note', 'empty'], delimiter, lineEnding });
      await spool.append([{ id: '4', note: 'after', empty: '' }]);
      expect((await replayAll(spool, 2)).flat()).toEqual([...records, { id: '4', note: 'after', empty: '' }]);
      await spool.discard();
    }
  });

  it('refuses rows that do not add up to the records written', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-spool-test-'));
    dirs.push(dir);
    const spool = new Spool(dir);
    await spool.append([{ a: '1' }, { a: '2' }], { kind: 'csv-rows', bytes: Buffer.from('1\n'), keys: ['a'], delimiter: ',', lineEnding: '\n' });
    await expect(replayAll(spool, 10)).rejects.toThrow('1 CSV rows where 2 records were written');
    await spool.discard();
  });
});
