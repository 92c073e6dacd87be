import { compilePushdown, compileRule, normalizeRule, type PushdownRules, type RuleConfig } from '@sluice/core';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parallelStats, tuning } from '../src/parallel.js';
import { makeSource, readAll, readUntilError, tempDir } from './helpers.js';

// Workers run the built worker (dist/parallel-worker.js): `pnpm turbo run build --filter=@sluice/source-csv` first.

let tmp: Awaited<ReturnType<typeof tempDir>>;
const saved = { ...tuning };

function rules(): PushdownRules {
  const runStartedAt = new Date();
  const config = {
    name: 'hot',
    conditions: [
      { field: 'value', type: 'greater_than', value: 1500 },
      { field: 'status', type: 'equals', value: 'active' },
    ],
    export_target: 'out',
  } as unknown as RuleConfig;
  return compilePushdown([compileRule(normalizeRule(config, { runStartedAt, allDatasources: ['readings'] }))], runStartedAt);
}

/** Deterministic rows with quoted commas, doubled quotes, unicode, ragged and malformed rows; `newlines` puts line breaks inside quotes. */
function csvText(rows: number, eol: string, newlines: boolean, seed: number): string {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const notes = ['', 'plain', '"a, b"', '"said ""hi"""', 'Zürich 😀', '""', '"x"'];
  const lines = ['id,status,value,note'];
  for (let i = 0; i < rows; i++) {
    const status = random() < 0.4 ? 'active' : 'idle';
    const value = random() < 0.01 ? 'n/a' : (random() * 2000).toFixed(2);
    const note = newlines && random() < 0.02 ? `"two${eol}lines, ${i}"` : notes[Math.floor(random() * notes.length)];
    const r = random();
    if (r < 0.005) lines.push(`${i},ragged`);
    else if (r < 0.008) lines.push(`${i},active,1600,bad"quote`);
    else if (r < 0.01) lines.push('');
    else lines.push(`${i},${status},${value},${note}`);
  }
  return `${lines.join(eol)}${eol}`;
}

beforeAll(async () => {
  tmp = await tempDir();
});
afterEach(() => Object.assign(tuning, saved));
afterAll(() => tmp.cleanup());

describe('parallel read (worker threads) vs one thread', () => {
  it('reads a .gz file in one thread: its bytes are no CSV ranges', async () => {
    tuning.rangeBytes = 1000;
    Object.assign(parallelStats, { ranges: 0, inline: 0, fallbacks: 0 });
    const text = csvText(6000, '\n', false, 7);
    const plain = await tmp.write('gz-twin.csv', text);
    const file = await tmp.write('gz-twin.csv.gz', gzipSync(text));
    const one = await readAll(makeSource({ path: plain, parallelism: 1 }, tmp.dir), { rules: rules() });
    const gz = await readAll(makeSource({ path: file, parallelism: 3 }, tmp.dir), { rules: rules() });
    expect(gz.records.length).toBeGreaterThan(100);
    expect(gz.records).toEqual(one.records);
    expect(gz.ctx.rejected.map((r) => r.error.message)).toEqual(one.ctx.rejected.map((r) => r.error.message));
    expect(parallelStats.ranges).toBe(0);
  });

  const cases = [
    ['LF, no line breaks in quotes', '\n', false],
    ['CRLF, no line breaks in quotes', '\r\n', false],
    ['LF, line breaks in quotes (falls back to one thread mid-file)', '\n', true],
  ] as const;
  for (const [name, eol, newlines] of cases) {
    for (const withRules of [true, false]) {
      // Small reads in the workers: lines straddle reads, some are longer than one.
      it(`${name}, ${withRules ? 'with' : 'without'} push-down: same records, rejects, locations and counts`, async () => {
        tuning.rangeBytes = 1000;
        tuning.readBytes = withRules ? 64 : 4096;
        tuning.readWhileStarting = false;
        Object.assign(parallelStats, { ranges: 0, inline: 0, fallbacks: 0 });
        const file = await tmp.write(`${name.length}-${eol.length}-${newlines}.csv`, `\uFEFF${csvText(6000, eol, newlines, 7)}`);
        const one = await readAll(makeSource({ path: file, parallelism: 1 }, tmp.dir), { batchSize: 100, ...(withRules ? { rules: rules() } : {}) });
        const many = await readAll(makeSource({ path: file, parallelism: 3 }, tmp.dir), { batchSize: 100, ...(withRules ? { rules: rules() } : {}) });
        expect(one.records.length).toBeGreaterThan(withRules ? 100 : 2500);
        expect(many.records).toEqual(one.records);
        expect(many.ctx.rejected).toEqual(one.ctx.rejected);
        expect(many.ctx.rejected.length).toBeGreaterThan(5);
        expect(many.ctx.skippedCount).toBe(one.ctx.skippedCount);
        expect(many.batches.every((batch) => batch.length <= 100)).toBe(true);
        // Ranges are built into records a batch's worth at a time: still full batches, but the last.
        expect(many.batches.slice(0, -1).every((batch) => batch.length === 100)).toBe(true);
        expect(parallelStats.ranges).toBeGreaterThan(newlines ? 5 : 20);
        expect(parallelStats.fallbacks).toBe(newlines ? 1 : 0);
      });
    }
  }

  it('a record that fails the read late in the file: the rows before it are delivered first', async () => {
    tuning.rangeBytes = 1000;
    tuning.readWhileStarting = false;
    Object.assign(parallelStats, { ranges: 0, inline: 0, fallbacks: 0 });
    const rows = Array.from({ length: 3000 }, (_, i) => `${i + 1},ok\n`).join('');
    const file = await tmp.write('late-oversize.csv', `id,v\n${rows}3001,"unclosed\n${'3002,ok\n'.repeat(50)}`);
    const { records, error } = await readUntilError(makeSource({ path: file, parallelism: 2, max_record_size: 100 }, tmp.dir), { batchSize: 1000 });
    expect(parallelStats.ranges).toBeGreaterThan(5);
    expect(records.length).toBe(3000);
    expect((error as Error).message).toContain('late-oversize.csv:3002: a record is longer than max_record_size');
  });

  it('a header naming a column twice gets the same unique names as in one thread', async () => {
    tuning.rangeBytes = 1000;
    Object.assign(parallelStats, { ranges: 0, inline: 0, fallbacks: 0 });
    const file = await tmp.write('dup-header.csv', `id,value,value\n${'1,2,3\n'.repeat(3000)}`);
    const many = await readAll(makeSource({ path: file, parallelism: 2 }, tmp.dir));
    const one = await readAll(makeSource({ path: file, parallelism: 1 }, tmp.dir));
    expect(parallelStats.ranges).toBeGreaterThan(5);
    expect(many.records).toEqual(one.records);
    expect(many.records[0]).toEqual({ id: '1', value: '2', value_1: '3' });
  });

  it('columns that do not fit the header fail once, as in one thread', async () => {
    tuning.rangeBytes = 1000;
    const file = await tmp.write('renamed.csv', `x,y\n${'1,2\n'.repeat(3000)}`);
    const { records, error, ctx } = await readUntilError(makeSource({ path: file, parallelism: 2, columns: ['p', 'q', 'r'] }, tmp.dir));
    expect(records).toEqual([]);
    expect(ctx.rejected).toEqual([]);
    expect((error as Error).message).toMatch(/renamed\.csv:1: columns has 3 names, the header row has 2 fields/);
  });

  it('rules of every kind, decided on bytes or not: same records, rejects and counts as one thread', async () => {
    tuning.rangeBytes = 1000;
    tuning.readBytes = 256;
    tuning.readWhileStarting = false;
    const runStartedAt = new Date();
    const config = {
      name: 'mixed',
      conditions: [
        {
          any: [
            { all: [{ field: 'value', type: 'between', value: [100, 900] }, { not: { field: 'status', type: 'equals', value: 'idle' } }] },
            { field: 'note', type: 'contains', value: 'b' },
            { field: 'note', type: 'in', value: ['Zürich 😀', 'x'] },
            { field: 'id', type: 'matches', value: '7$' },
          ],
        },
      ],
      export_target: 'out',
    } as unknown as RuleConfig;
    const mixed = () => compilePushdown([compileRule(normalizeRule(config, { runStartedAt, allDatasources: ['readings'] }))], runStartedAt);
    const file = await tmp.write('mixed.csv', csvText(4000, '\n', false, 11));
    Object.assign(parallelStats, { ranges: 0, inline: 0, fallbacks: 0 });
    const one = await readAll(makeSource({ path: file, parallelism: 1 }, tmp.dir), { rules: mixed() });
    const many = await readAll(makeSource({ path: file, parallelism: 2 }, tmp.dir), { rules: mixed() });
    expect(one.records.length).toBeGreaterThan(500);
    expect(one.ctx.skippedCount).toBeGreaterThan(500);
    expect(many.records).toEqual(one.records);
    expect(many.ctx.rejected).toEqual(one.ctx.rejected);
    expect(many.ctx.skippedCount).toBe(one.ctx.skippedCount);
    expect(parallelStats.ranges - parallelStats.inline).toBeGreaterThan(20);
  });

  it('reads ranges in this thread while the workers start, then hands the rest over, in order', async () => {
    tuning.rangeBytes = 1000;
    tuning.readBytes = 512;
    const file = await tmp.write('inline.csv', csvText(20000, '\n', false, 5));
    Object.assign(parallelStats, { ranges: 0, inline: 0, fallbacks: 0 });
    const one = await readAll(makeSource({ path: file, parallelism: 1 }, tmp.dir), { rules: rules() });
    const many = await readAll(makeSource({ path: file, parallelism: 2 }, tmp.dir), { rules: rules() });
    expect(many.records).toEqual(one.records);
    expect(many.ctx.rejected).toEqual(one.ctx.rejected);
    expect(many.ctx.skippedCount).toBe(one.ctx.skippedCount);
    expect(parallelStats.inline).toBeGreaterThan(0);
    expect(parallelStats.fallbacks).toBe(0);
  });

  it('declared types travel packed, are converted on arrival, and bad values are rejected with the right line', async () => {
    tuning.rangeBytes = 1500;
    tuning.readWhileStarting = false;
    Object.assign(parallelStats, { ranges: 0, inline: 0, fallbacks: 0 });
    const file = await tmp.write('typed.csv', csvText(2000, '\n', false, 3));
    const one = await readAll(makeSource({ path: file, parallelism: 1, types: { value: 'number' } }, tmp.dir), { rules: rules() });
    const many = await readAll(makeSource({ path: file, parallelism: 2, types: { value: 'number' } }, tmp.dir), { rules: rules() });
    expect(typeof one.records[0]!.value).toBe('number');
    expect(many.records).toEqual(one.records);
    expect(many.ctx.rejected).toEqual(one.ctx.rejected);
    expect(many.ctx.skippedCount).toBe(one.ctx.skippedCount);
    expect(parallelStats.ranges).toBeGreaterThan(20);
  });

  it('typed records of full-size ranges where every row is a candidate stay within a worker\'s heap', async () => {
    // Default ranges (2 MiB): as objects, a range's typed records outgrew the workers' 16 MiB heap and the read fell back to one thread.
    tuning.readWhileStarting = false;
    Object.assign(parallelStats, { ranges: 0, inline: 0, fallbacks: 0 });
    const lines = ['id,ts,value,flag,note'];
    for (let i = 0; i < 90_000; i++) {
      lines.push(`${i},${new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString()},${(i * 1.37).toFixed(2)},${i % 2 === 0},note ${i} ${'x'.repeat(i % 40)}`);
    }
    const file = await tmp.write('typed-big.csv', `${lines.join('\n')}\n`);
    const types = { ts: 'timestamp', value: 'number', flag: 'boolean' } as const;
    const many = await readAll(makeSource({ path: file, parallelism: 2, types }, tmp.dir), { batchSize: 5000 });
    expect(parallelStats.fallbacks).toBe(0);
    expect(parallelStats.ranges - parallelStats.inline).toBeGreaterThan(1);
    expect(many.records).toHaveLength(90_000);
    expect(many.records[89_999]).toEqual({ id: '89999', ts: new Date(Date.UTC(2024, 0, 1) + 89_999_000), value: 123298.63, flag: false, note: `note 89999 ${'x'.repeat(89_999 % 40)}` });
  });

  it('auto stays in one thread for a small file', async () => {
    const file = await tmp.write('small.csv', csvText(50, '\n', false, 1));
    const { records } = await readAll(makeSource({ path: file }, tmp.dir));
    expect(records.length).toBeGreaterThan(40);
  });
});

describe('explain', () => {
  it('says the rules are applied while reading, which fields they read, and how large files are read', async () => {
    const file = await tmp.write('explain.csv', 'id,status,value\n1,active,2000\n');
    const plan = await makeSource({ path: file }, tmp.dir).explain(rules());
    expect(plan).toContain('push-down in the reader');
    expect(plan).toContain('fields the rules read: value, status');
    expect(plan).toContain('worker threads (parallelism: auto), which test plain rows on their bytes');
    const typed = await makeSource({ path: file, types: { value: 'number' } }, tmp.dir).explain(rules());
    expect(typed).not.toContain('on their bytes');
    expect(await makeSource({ path: file }, tmp.dir).explain(undefined)).toContain('no rule reads this datasource');
  });

  it('says why a source is read in one thread instead of claiming worker threads', async () => {
    for (const [options, reason] of [
      [{ path: 'data/*.csv.gz' }, 'a .gz file has no byte ranges'],
      [{ path: 'a.csv', source_field: 'src' }, 'source_field is set'],
      [{ path: 'a.csv', encoding: 'latin1' }, 'encoding latin1 is not utf8'],
      [{ path: 'a.csv', parallelism: 1 }, 'parallelism: 1'],
      [{ path: 'a.csv', quote: "'" }, 'need csv-parse'],
    ] as const) {
      const plan = await makeSource(options, tmp.dir).explain(rules());
      expect(plan).toContain(`read in one thread: `);
      expect(plan).toContain(reason);
      expect(plan).not.toContain('worker threads');
    }
  });
});
