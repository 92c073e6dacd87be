import { chmod } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { isRetryable } from '@sluice/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import csv from '../src/index.js';
import { makeSource, PATHS, readAll, readUntilError, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
  await tmp.write('data/2024/b.csv', 'id\nb1\nb2\n');
  await tmp.write('data/2024/a.csv', 'id\na1\n');
  await tmp.write('data/2023/z.csv', 'id\nz1\n');
  await tmp.write('data/top.csv', 'id\ntop\n');
  await tmp.write('data/notes.txt', 'not csv');
  await tmp.write('data/.hidden/h.csv', 'id\nhidden\n');
});
afterAll(() => tmp.cleanup());

describe('local files', () => {
  it('reads a glob of files in sorted order, relative to baseDir', async () => {
    const source = makeSource({ path: 'data/*/?.csv', source_field: 'from' }, tmp.dir);
    const { records } = await readAll(source);
    expect(records).toEqual([
      { id: 'z1', from: 'data/2023/z.csv:2' },
      { id: 'a1', from: 'data/2024/a.csv:2' },
      { id: 'b1', from: 'data/2024/b.csv:2' },
      { id: 'b2', from: 'data/2024/b.csv:3' },
    ]);
  });

  it('** matches any depth, hidden directories excluded', async () => {
    const { records } = await readAll(makeSource({ path: 'data/**/*.csv' }, tmp.dir));
    expect(records.map((r) => r.id)).toEqual(['z1', 'a1', 'b1', 'b2', 'top']);
  });

  it('a missing file fails, naming the path', async () => {
    const source = makeSource({ path: 'nope.csv' }, tmp.dir);
    await expect(readAll(source)).rejects.toThrow('datasources.readings: path: file "nope.csv" does not exist');
    await expect(source.check(new AbortController().signal)).rejects.toThrow(/nope\.csv" does not exist/);
  });

  it('check() passes for readable files and fails for a glob without matches', async () => {
    await makeSource({ path: 'data/**/*.csv' }, tmp.dir).check(new AbortController().signal);
    await expect(makeSource({ path: 'data/*.tsv' }, tmp.dir).check(new AbortController().signal)).rejects.toThrow(/no file matches "data\/\*\.tsv"/);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file fails check()', async () => {
    const file = await tmp.write('locked.csv', 'a\n1\n');
    await chmod(file, 0o000);
    await expect(makeSource({ path: 'locked.csv' }, tmp.dir).check(new AbortController().signal)).rejects.toThrow(/not readable/);
  });

  it('reads a .gz file through gunzip, concatenated members too, with its own locations', async () => {
    await tmp.write('gz/c.csv.gz', Buffer.concat([gzipSync('id,name\nc1,Zoë\n'), gzipSync('c2,"a,b"\n')]));
    await tmp.write('gz/d.csv', 'id,name\nd1,x\n');
    const { records } = await readAll(makeSource({ path: 'gz/*', source_field: 'from' }, tmp.dir));
    expect(records).toEqual([
      { id: 'c1', name: 'Zoë', from: 'gz/c.csv.gz:2' },
      { id: 'c2', name: 'a,b', from: 'gz/c.csv.gz:3' },
      { id: 'd1', name: 'x', from: 'gz/d.csv:2' },
    ]);
    await makeSource({ path: 'gz/c.csv.gz' }, tmp.dir).check(new AbortController().signal);
    await expect(makeSource({ path: 'gz/nope.csv.gz' }, tmp.dir).check(new AbortController().signal)).rejects.toThrow(/"gz\/nope\.csv\.gz" does not exist/);
  });

  it('a .gz file that does not decode fails for good, naming the file, rather than reading its bytes as CSV', async () => {
    await tmp.write('gz/bad.csv.gz', 'id\nnot,compressed\n');
    await tmp.write('gz/cut.csv.gz', gzipSync(`id\n${Array.from({ length: 10_000 }, (_, i) => `${i}\n`).join('')}`).subarray(0, 1000));
    for (const [file, reason] of [
      ['gz/bad.csv.gz', 'incorrect header check'],
      ['gz/cut.csv.gz', 'unexpected end of file'],
    ] as const) {
      const error = await readAll(makeSource({ path: file }, tmp.dir), { batchSize: 100_000 }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(`datasources.readings: path: file "${file}" does not decode as gzip at line `);
      expect((error as Error).message).toContain(`(${reason}); is it corrupt or cut short?`);
      expect(isRetryable(error)).toBe(false);
    }
  });

  it('delivers the rows read before a later file of a glob fails, and names the file and line', async () => {
    await tmp.write('fail/a.csv', `id,v\n${Array.from({ length: 5500 }, (_, i) => `${i + 1},1\n`).join('')}`);
    await tmp.write('fail/b.csv.gz', 'garbage');
    const { records, error } = await readUntilError(makeSource({ path: 'fail/*.csv*' }, tmp.dir), { batchSize: 1000 });
    expect(records.map((r) => r.id)).toEqual(Array.from({ length: 5500 }, (_, i) => String(i + 1)));
    expect((error as Error).message).toMatch(/file "fail\/b\.csv\.gz" does not decode as gzip at line 1 /);
  });

  for (const [name, fast] of PATHS) {
    it(`delivers the rows before a record that fails the read in the same chunk (${name})`, async () => {
      const rows = Array.from({ length: 1500 }, (_, i) => `${i + 1},ok\n`).join('');
      const more = Array.from({ length: 99 }, (_, i) => `${i + 1502},ok\n`).join('');
      await tmp.write('fail/ov.csv', `id,v\n${rows}1501,"unclosed\n${more}`);
      const source = makeSource({ path: 'fail/ov.csv', max_record_size: 100 }, tmp.dir);
      source.useFastPath = fast;
      const { records, error } = await readUntilError(source, { batchSize: 1000 });
      expect(records.length).toBe(1500);
      expect(records.at(-1)).toEqual({ id: '1500', v: 'ok' });
      expect((error as Error).message).toContain('fail/ov.csv:1502: a record is longer than max_record_size');
    });
  }

  it('a glob without matches reads nothing with a warning (an empty drop folder), while check() fails', async () => {
    const { records, ctx } = await readAll(makeSource({ path: 'nomatch/*.csv' }, tmp.dir));
    expect(records).toEqual([]);
    expect(ctx.logger.find('no file matches "nomatch/*.csv"; nothing to read', 'warn')).toHaveLength(1);
    await expect(makeSource({ path: 'nomatch/*.csv' }, tmp.dir).check(new AbortController().signal)).rejects.toThrow(/no file matches/);
  });

  it('names the config directory itself as "."', async () => {
    await expect(readAll(makeSource({ path: '.' }, tmp.dir))).rejects.toThrow('datasources.readings: path: file "." is not a file');
  });

  it('columns with another count than the header: one error, not every row rejected', async () => {
    await tmp.write('ren.csv', 'x,y\n1,2\n3,4\n');
    const { error, ctx } = await readUntilError(makeSource({ path: 'ren.csv', columns: ['p', 'q', 'r'] }, tmp.dir));
    expect((error as Error).message).toBe('datasources.readings: ren.csv:1: columns has 3 names, the header row has 2 fields; give one name per column');
    expect(ctx.rejected).toEqual([]);
  });

  it('close() is idempotent', async () => {
    const source = makeSource({ path: 'data/top.csv' }, tmp.dir);
    await source.close();
    await source.close();
  });
});

describe('options', () => {
  it('needs exactly one of path and url, and columns without a header', async () => {
    expect(() => makeSource({}, tmp.dir)).toThrow(/exactly one of `path` or `url`/);
    expect(() => makeSource({ path: 'a.csv', url: 'http://127.0.0.1/a.csv' }, tmp.dir)).toThrow(/exactly one/);
    expect(() => makeSource({ path: 'a.csv', header: false }, tmp.dir)).toThrow(/needs `columns/);
    expect(() => makeSource({ path: 'a.csv', delimiter: ';;' }, tmp.dir)).toThrow(/exactly one character/);
    expect(() => makeSource({ path: 'a.csv', colums: ['x'] }, tmp.dir)).toThrow();
    expect(csv.schema.safeParse({ path: 'a.csv', encoding: 'klingon' }).error?.issues).toEqual([
      expect.objectContaining({ path: ['encoding'], message: expect.stringContaining('encoding "klingon" is not supported') }),
    ]);
    expect(csv.schema.safeParse({ path: 'a.csv', encoding: 'windows-1252' }).success).toBe(true);
  });
});
