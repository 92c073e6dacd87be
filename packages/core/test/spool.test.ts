import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePlainBatch } from '../src/runner/codec.js';
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

  it('encodes a batch plainly only when JSON keeps every value as it is', () => {
    expect(encodePlainBatch([{ a: 'x', b: 1.5, c: true, d: null }])).toBe('[{"a":"x","b":1.5,"c":true,"d":null}]');
    expect(encodePlainBatch([{ a: 'x' }, { at: new Date(0) }])).toBeUndefined();
    expect(encodePlainBatch([{ n: Number.NaN }])).toBeUndefined();
    expect(encodePlainBatch([{ n: 1n }])).toBeUndefined();
    expect(encodePlainBatch([{ nested: { a: 1 } }])).toBeUndefined();
    expect(encodePlainBatch([Object.assign(Object.create({ inherited: 1 }), { a: 'x' })])).toBeUndefined();
  });
});
