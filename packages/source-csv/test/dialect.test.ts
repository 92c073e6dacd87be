import { compilePushdown, compileRule, normalizeRule, toTime, type RuleConfig } from '@sluice/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSource, PATHS, readAll, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(() => tmp.cleanup());

async function read(content: string | Buffer, options: Record<string, unknown> = {}, fast = true) {
  const file = await tmp.write(`f-${Math.random().toString(36).slice(2)}.csv`, content);
  const source = makeSource({ path: file, ...options }, tmp.dir);
  source.useFastPath = source.useFastPath && fast;
  try {
    return await readAll(source);
  } finally {
    await source.close();
  }
}

describe.each(PATHS)('dialect (%s)', (_name, fast) => {
  it('reads a header and rows as strings', async () => {
    const { records, ctx } = await read('id,value,note\n1,1500.50,hello\n2,7,\n', {}, fast);
    expect(records).toEqual([
      { id: '1', value: '1500.50', note: 'hello' },
      { id: '2', value: '7', note: '' },
    ]);
    expect(ctx.rejected).toEqual([]);
  });

  it('handles quoted delimiters, quoted newlines and escaped quotes', async () => {
    const { records } = await read('a,b\n"x,y","line1\nline2"\n"say ""hi""",""\n', {}, fast);
    expect(records).toEqual([
      { a: 'x,y', b: 'line1\nline2' },
      { a: 'say "hi"', b: '' },
    ]);
  });

  it('strips a BOM and reads CRLF line ends', async () => {
    const { records } = await read('\uFEFFid,v\r\n1,a\r\n2,"b\r\nc"\r\n', {}, fast);
    expect(records).toEqual([
      { id: '1', v: 'a' },
      { id: '2', v: 'b\r\nc' },
    ]);
  });

  it('reads a last line without a line end, and skips empty lines by default', async () => {
    const { records } = await read('a,b\n\n1,2\n\n\n3,4', {}, fast);
    expect(records).toEqual([
      { a: '1', b: '2' },
      { a: '3', b: '4' },
    ]);
  });

  it('rejects ragged rows with their line and carries on', async () => {
    const { records, ctx } = await read('a,b\n1,2\n3\n4,5,6\n"multi\nline",7\n8,9\n', { source_field: 'src' }, fast);
    expect(records.map((r) => r.a)).toEqual(['1', 'multi\nline', '8']);
    expect(records.map((r) => r.src)).toEqual([expect.stringMatching(/:2$/), expect.stringMatching(/:5$/), expect.stringMatching(/:7$/)]);
    expect(ctx.rejected.map((r) => [r.input, r.location?.replace(/^.*:/, ''), r.error.message])).toEqual([
      ['3', '3', 'expected 2 fields, got 1'],
      ['4,5,6', '4', 'expected 2 fields, got 3'],
    ]);
  });

  it('rejects an unclosed quote at the end with a clear message', async () => {
    const { records, ctx } = await read('a,b\n1,2\n3,"never closed\n4,5\n', {}, fast);
    expect(records).toEqual([{ a: '1', b: '2' }]);
    expect(ctx.rejected).toHaveLength(1);
    expect(ctx.rejected[0]!.location).toMatch(/:3$/);
    expect(ctx.rejected[0]!.error.message).toMatch(/unclosed quote/);
    expect(ctx.rejected[0]!.input).toBe('3,"never closed\n4,5');
  });

  it('rejects a quote inside an unquoted field and carries on', async () => {
    const { records, ctx } = await read('a,b\nx"y,1\n2,3\n', {}, fast);
    expect(records).toEqual([{ a: '2', b: '3' }]);
    expect(ctx.rejected.map((r) => [r.location?.replace(/^.*:/, ''), (r.error as { code?: string }).code])).toEqual([['2', 'invalid_opening_quote']]);
  });

  it('converts declared types and rejects values that do not convert', async () => {
    const { records, ctx } = await read(
      'id,value,ts,ok\n1,1500.5,2024-05-01T10:00:00Z,true\n2,abc,2024-05-01,false\n3,,,\n4,2,yesterday,no\n',
      { types: { value: 'number', ts: 'timestamp', ok: 'boolean', id: 'string' } },
      fast,
    );
    expect(records).toEqual([
      { id: '1', value: 1500.5, ts: new Date('2024-05-01T10:00:00Z'), ok: true },
      { id: '3', value: null, ts: null, ok: null },
    ]);
    expect(ctx.rejected.map((r) => [r.location?.replace(/^.*:/, ''), r.error.message])).toEqual([
      ['3', 'column "value": "abc" is not a valid number'],
      ['5', 'column "ts": "yesterday" is not a valid timestamp'],
    ]);
  });

  it('converts timestamps as the rule engine reads them: UTC without an offset, whatever TZ, impossible dates refused', async () => {
    const texts = [
      '2024-01-01T10:00:00',
      '2024-01-01 10:00:00',
      '2024-01-01',
      '2024-02-30',
      '2023-02-29T12:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T10:00:00+02',
      '2024-01-01T10:00:00+0200',
      '2024-06-31',
      '2024-02-29T23:59:59.999-05:30',
    ];
    const saved = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      const { records, ctx } = await read(`id,ts\n${texts.map((t, i) => `${i},${t}`).join('\n')}\n`, { types: { ts: 'timestamp' } }, fast);
      const valid = texts.flatMap((t, i) => (toTime(t) === undefined ? [] : [{ id: String(i), ts: new Date(toTime(t)!) }]));
      expect(records).toEqual(valid);
      expect(records.slice(0, 2).map((r) => (r.ts as Date).toISOString())).toEqual(['2024-01-01T10:00:00.000Z', '2024-01-01T10:00:00.000Z']);
      expect(records.find((r) => r.id === '6')?.ts).toEqual(new Date('2024-01-01T08:00:00Z'));
      expect(ctx.rejected.map((r) => r.error.message)).toEqual(
        ['2024-02-30', '2023-02-29T12:00:00Z', '2024-01-01T24:00:00Z', '2024-06-31'].map((t) => `column "ts": "${t}" is not a valid timestamp`),
      );
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('rejects numbers beyond the double range, as the rule engine does, instead of reading them as Infinity', async () => {
    const { records, ctx } = await read(
      `id,value\n1,1e400\n2,-1E+999\n3,${'9'.repeat(400)}\n4,Infinity\n5,-inf\n6,1e308\n7,1e-400\n`,
      { types: { value: 'number' } },
      fast,
    );
    expect(records).toEqual([
      { id: '6', value: 1e308 },
      { id: '7', value: 0 },
    ]);
    expect(ctx.rejected.map((r) => [r.location?.replace(/^.*:/, ''), r.error.message])).toEqual([
      ['2', 'column "value": "1e400" is not a valid number'],
      ['3', 'column "value": "-1E+999" is not a valid number'],
      ['4', `column "value": "${'9'.repeat(400)}" is not a valid number`],
      ['5', 'column "value": "Infinity" is not a valid number'],
      ['6', 'column "value": "-inf" is not a valid number'],
    ]);
  });

  it('rejects an overflowing number in a column the rules read, instead of skipping the row as not matched', async () => {
    const file = await tmp.write(`overflow-${fast}.csv`, 'id,value\n1,1e400\n2,5\n3,2000\n');
    const source = makeSource({ path: file, types: { value: 'number' } }, tmp.dir);
    source.useFastPath = fast;
    const runStartedAt = new Date();
    const rule = { name: 'r', datasource: 'readings', threshold_field: 'value', threshold_type: 'greater_than', threshold_value: 1000, export_target: 't' } as unknown as RuleConfig;
    const rules = compilePushdown([compileRule(normalizeRule(rule, { runStartedAt, allDatasources: ['readings'] }))], runStartedAt);
    const { records, ctx } = await readAll(source, { rules });
    expect(records).toEqual([{ id: '3', value: 2000 }]);
    expect(ctx.rejected.map((r) => r.error.message)).toEqual(['column "value": "1e400" is not a valid number']);
    expect(ctx.skippedCount).toBe(1);
  });

  it('fails clearly when types name a missing column', async () => {
    await expect(read('a\n1\n', { types: { nope: 'number' } }, fast)).rejects.toThrow(/types\.nope: no column "nope"/);
  });

  it('reads files without a header using columns', async () => {
    const { records } = await read('1;x\n2;y\n', { header: false, columns: ['id', 'name'], delimiter: ';' }, fast);
    expect(records).toEqual([
      { id: '1', name: 'x' },
      { id: '2', name: 'y' },
    ]);
  });

  it('renames columns of a file with a header', async () => {
    const { records } = await read('A,B\n1,2\n', { columns: ['a', 'b'] }, fast);
    expect(records).toEqual([{ a: '1', b: '2' }]);
  });

  it('reads latin1 and utf16le files', async () => {
    const latin1 = await read(Buffer.from('name,city\nJosé,Zürich\n', 'latin1'), { encoding: 'latin1' }, fast);
    expect(latin1.records).toEqual([{ name: 'José', city: 'Zürich' }]);
    const utf16 = await read(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,😀\n', 'utf16le')]), { encoding: 'utf16le' }, fast);
    expect(utf16.records).toEqual([{ a: '1', b: '😀' }]);
  });

  it('decodes ascii as WHATWG does (windows-1252), never masking a byte to 7 bits', async () => {
    const content = Buffer.from([...Buffer.from('id,name\n1,caf'), 0xe9, ...Buffer.from('\n2,'), 0x80, ...Buffer.from('uro\n')]);
    for (const encoding of ['ascii', 'ASCII', 'us-ascii']) {
      const { records } = await read(content, { encoding }, fast);
      expect(records).toEqual([
        { id: '1', name: 'café' },
        { id: '2', name: '€uro' },
      ]);
    }
  });

  it('makes a header\'s repeated names unique, and fails on a name given twice in columns or a source_field named like a column', async () => {
    // Repeated and trailing empty names (spreadsheet exports): every value kept, as DuckDB names them.
    expect((await read('a,a,,b,,a_1\n1,2,3,4,5,6\n', {}, fast)).records).toEqual([{ a: '1', a_2: '2', '': '3', b: '4', column5: '5', a_1: '6' }]);
    expect((await read('a,b,,c,\n1,2,3,4,5\n', {}, fast)).records).toEqual([{ a: '1', b: '2', '': '3', c: '4', column5: '5' }]);
    const { records } = await read('a,a,,b,\n1,2,3,4,5\n', { columns: ['a', 'a2', 'x', 'b', 'y'] }, fast);
    expect(records).toEqual([{ a: '1', a2: '2', x: '3', b: '4', y: '5' }]);
    await expect(read('1,2\n', { header: false, columns: ['p', 'p'] }, fast)).rejects.toThrow(/columns names column "p" twice \(columns 1 and 2\)/);
    await expect(read('id,v\n1,10\n', { source_field: 'v' }, fast)).rejects.toThrow(/source_field: "v" is also column 2 of f-\w+\.csv, whose values it would replace/);
  });

  it('keeps empty lines as rows when skip_empty_lines is off', async () => {
    const { records, ctx } = await read('a\n1\n\n2\n', { skip_empty_lines: false }, fast);
    expect(records).toEqual([{ a: '1' }, { a: '' }, { a: '2' }]);
    expect(ctx.rejected).toEqual([]);
  });

  it('yields batches of batchSize', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `${i},v${i}`).join('\n');
    const file = await tmp.write('batches.csv', `id,v\n${rows}\n`);
    const source = makeSource({ path: file }, tmp.dir);
    source.useFastPath = fast;
    const { batches } = await readAll(source, { batchSize: 10 });
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
  });
});

describe('dialects only csv-parse covers', () => {
  it('comments, trim, another quote', async () => {
    const { records, ctx } = await read("# a comment\nid, name\n1,  'x, y' \n# another\n2,z\n", { comment: '#', trim: true, quote: "'", escape: "'" });
    expect(records).toEqual([
      { id: '1', name: 'x, y' },
      { id: '2', name: 'z' },
    ]);
    expect(ctx.rejected).toEqual([]);
  });

  it('reports the lines of ragged rows after comments', async () => {
    const { ctx } = await read('a,b\n# c\n\n1\n2,3\n', { comment: '#' });
    expect(ctx.rejected.map((r) => r.location?.replace(/^.*:/, ''))).toEqual(['4']);
  });
});
