import { readFile, writeFile, mkdir, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ConnectorError, parseCsvRows, type DataRecord, type Exporter, type WriteResult } from '@sluice/core';
import fc from 'fast-check';
import { conformanceRecords, flatConformanceRecords, makeExportRun, memoryLogger } from '@sluice/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertPartSuffix, parseByteSize } from '../src/index.js';
import file from '../src/index.js';
import { createFileExporter, listFiles, readRecords, tempBaseDir, viaCsv, viaJson } from './helpers.js';

const started = new Date('2024-03-05T06:07:08.009Z');
let base: { dir: string; cleanup(): Promise<void> };
let exporter: Exporter | undefined;

beforeEach(async () => {
  base = await tempBaseDir();
});
afterEach(async () => {
  await exporter?.close?.();
  exporter = undefined;
  await base.cleanup();
});

function make(options: Record<string, unknown>): Exporter {
  exporter = createFileExporter(options, base.dir);
  return exporter;
}

/** Writes the batches in one session and ends it; returns everything rejected. */
async function export_(target: Exporter, batches: readonly (readonly DataRecord[])[], run = makeExportRun({ runId: 'run-1', runStartedAt: started })) {
  const session = await target.open(run);
  const rejected: WriteResult['rejected'][] = [];
  for (const batch of batches) rejected.push((await session.write(batch, run.signal))?.rejected);
  rejected.push((await session.end(run.signal))?.rejected);
  return rejected.flatMap((r) => r ?? []);
}

describe('formats', () => {
  it.each([
    ['ndjson', viaJson],
    ['jsonl', viaJson],
    ['json', viaJson],
    ['parquet', viaJson],
  ] as const)('writes %s that an independent reader reads back', async (ext, normalize) => {
    const target = make({ path: `out/{rule}/{date}/{run_id}.${ext}` });
    expect(await export_(target, [conformanceRecords.slice(0, 5), conformanceRecords.slice(5)])).toEqual([]);
    expect(await listFiles(base.dir, true)).toEqual([`out/conformance_rule/2024-03-05/run-1.${ext}`]);
    const back = await readRecords(join(base.dir, `out/conformance_rule/2024-03-05/run-1.${ext}`));
    expect(back.map(normalize)).toEqual(conformanceRecords.map(normalize));
  });

  it('writes CSV that csv-parse reads back, with the csv options applied', async () => {
    const target = make({ path: 'out/{rule}.csv', csv: { delimiter: ';' } });
    await export_(target, [flatConformanceRecords]);
    const text = await readFile(join(base.dir, 'out/conformance_rule.csv'), 'utf8');
    expect(text.split('\n')[0]).toBe('id;int_value;float_value;text;flag;maybe_null;created_at');
    const { parse } = await import('csv-parse/sync');
    expect(parse(text, { columns: true, delimiter: ';' })).toEqual(flatConformanceRecords.map(viaCsv));
  });

  it('keeps Parquet types: integers, floats, strings, booleans, timestamps, nulls, nested', async () => {
    const target = make({ path: 'out/{rule}.parquet', parquet: { row_group_size: 4 } });
    await export_(target, [conformanceRecords]);
    const back = await readRecords(join(base.dir, 'out/conformance_rule.parquet'));
    expect(back[0]).toMatchObject({ id: 1, int_value: 42, float_value: 3.14, text: 'plain', flag: true, maybe_null: 'present-1' });
    expect(back[0]!.created_at).toEqual(conformanceRecords[0]!.created_at);
    expect(back[1]!.maybe_null).toBeNull();
    expect(back[0]!.nested).toEqual(conformanceRecords[0]!.nested);
  });

  it('returns records the encoder cannot represent in WriteResult.rejected and writes the rest', async () => {
    const target = make({ path: 'out/{rule}.csv' });
    const rejected = await export_(target, [[{ a: 1, b: 'x' }], [{ a: 2, b: 'y' }, { a: 3, surprise: 'z' }]]);
    expect(rejected.map((r) => r.record)).toEqual([{ a: 3, surprise: 'z' }]);
    expect(rejected[0]!.error.message).toContain('surprise');
    expect(await readRecords(join(base.dir, 'out/conformance_rule.csv'))).toEqual([
      { a: '1', b: 'x' },
      { a: '2', b: 'y' },
    ]);
  });
});

describe('gzip', () => {
  it('compresses when the path ends in .gz', async () => {
    const target = make({ path: 'out/{rule}.ndjson.gz' });
    await export_(target, [[{ id: 1 }, { id: 2 }]]);
    const raw = await readFile(join(base.dir, 'out/conformance_rule.ndjson.gz'));
    expect(raw[0]).toBe(0x1f); // gzip magic
    expect(gunzipSync(raw).toString()).toBe('{"id":1}\n{"id":2}\n');
  });

  it('compresses with compression: gzip whatever the name', async () => {
    const target = make({ path: 'out/{rule}.csv', compression: 'gzip' });
    await export_(target, [[{ id: 1 }]]);
    expect(gunzipSync(await readFile(join(base.dir, 'out/conformance_rule.csv'))).toString()).toBe('id\n1\n');
  });

  it('refuses gzip for Parquet at validation time', () => {
    const result = file.schema.safeParse({ path: 'out/x.parquet', compression: 'gzip' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['compression'] });
  });
});

describe('rollover', () => {
  const records = Array.from({ length: 12 }, (_, i) => ({ id: i, text: `row ${i}` }));

  it('splits at max_records_per_file and inserts -<part> before the extension', async () => {
    const target = make({ path: 'out/{run_id}.ndjson.gz', max_records_per_file: 5 });
    await export_(target, [records.slice(0, 3), records.slice(3, 11), records.slice(11)]);
    const files = await listFiles(base.dir, true);
    expect(files).toEqual(['out/run-1-1.ndjson.gz', 'out/run-1-2.ndjson.gz', 'out/run-1.ndjson.gz']);
    const counts = await Promise.all(['run-1', 'run-1-1', 'run-1-2'].map(async (n) => (await readRecords(join(base.dir, `out/${n}.ndjson.gz`))).length));
    expect(counts).toEqual([5, 5, 2]);
    const all = (await Promise.all(['run-1', 'run-1-1', 'run-1-2'].map((n) => readRecords(join(base.dir, `out/${n}.ndjson.gz`))))).flat();
    expect(all).toEqual(records);
  });

  it('uses {part} from the template when present, starting at 0', async () => {
    const target = make({ path: 'out/{run_id}/part-{part}.csv', max_records_per_file: 4 });
    await export_(target, [records]);
    expect(await listFiles(base.dir)).toEqual(['out/run-1/part-0.csv', 'out/run-1/part-1.csv', 'out/run-1/part-2.csv']);
  });

  it('splits at max_bytes_per_file', async () => {
    const target = make({ path: 'out/{run_id}.ndjson', max_bytes_per_file: '60B' });
    await export_(target, records.map((r) => [r]));
    const files = await listFiles(base.dir);
    expect(files.length).toBeGreaterThan(2);
    let total = 0;
    for (const name of files) {
      const bytes = (await readFile(join(base.dir, name))).length;
      // A file closes once it reaches the cap, so it exceeds it by at most one batch (here one record).
      expect(bytes).toBeLessThan(60 + 30);
      total += (await readRecords(join(base.dir, name))).length;
    }
    expect(total).toBe(12);
  });

  it('inserts the part suffix before the extension and .gz', () => {
    expect(insertPartSuffix('/a/b/run.csv', 2)).toBe('/a/b/run-2.csv');
    expect(insertPartSuffix('/a/b/run.ndjson.gz', 1)).toBe('/a/b/run-1.ndjson.gz');
    expect(insertPartSuffix('/a/b.d/run', 3)).toBe('/a/b.d/run-3');
    expect(insertPartSuffix('/a/.hidden', 1)).toBe('/a/.hidden-1');
  });

  it('parses byte sizes', () => {
    expect(parseByteSize(1000)).toBe(1000);
    expect(parseByteSize('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseByteSize('1.5 kb')).toBe(1500);
    expect(file.schema.safeParse({ path: 'x.csv', max_bytes_per_file: '12 parsecs' }).success).toBe(false);
  });
});

describe('atomicity', () => {
  it('shows nothing under the final name before end(), only a hidden temp file', async () => {
    const target = make({ path: 'out/{rule}.ndjson' });
    const run = makeExportRun({ runStartedAt: started });
    const session = await target.open(run);
    await session.write([{ id: 1 }], run.signal);
    expect(await listFiles(base.dir)).toEqual([]);
    const hidden = await listFiles(base.dir, true);
    expect(hidden).toHaveLength(1);
    expect(hidden[0]).toMatch(/^out\/\.conformance_rule\.ndjson\.[0-9a-f]+\.tmp$/);
    await session.end(run.signal);
    expect(await listFiles(base.dir, true)).toEqual(['out/conformance_rule.ndjson']);
  });

  it('abort() leaves neither a final file nor a temp file, rolled parts included', async () => {
    const target = make({ path: 'out/{rule}.ndjson', max_records_per_file: 1 });
    const run = makeExportRun();
    const session = await target.open(run);
    await session.write([{ id: 1 }, { id: 2 }, { id: 3 }], run.signal);
    expect(await listFiles(base.dir, true)).toHaveLength(3);
    await session.abort!(new Error('runner gave up'));
    expect(await listFiles(base.dir, true)).toEqual([]);
    await expect(session.end(run.signal)).rejects.toThrow(/already aborted/);
  });

  it('an aborted signal fails the session and removes its temp files', async () => {
    const target = make({ path: 'out/{rule}.ndjson' });
    const run = makeExportRun();
    const session = await target.open(run);
    await session.write([{ id: 1 }], run.signal);
    run.abort();
    await expect(session.end(run.signal)).rejects.toMatchObject({ name: 'AbortError' });
    expect(await listFiles(base.dir, true)).toEqual([]);
  });

  it('close() removes temp files of sessions that never ended', async () => {
    const target = make({ path: 'out/{rule}.ndjson' });
    const run = makeExportRun();
    const session = await target.open(run);
    await session.write([{ id: 1 }], run.signal);
    await target.close!();
    await target.close!();
    expect(await listFiles(base.dir, true)).toEqual([]);
  });

  it('logs each file it writes, relative to the config directory', async () => {
    const target = make({ path: 'out/{rule}.ndjson' });
    const logger = memoryLogger();
    await export_(target, [[{ id: 1 }]], makeExportRun({ logger }));
    expect(logger.find('file written')[0]?.fields).toMatchObject({ file: 'out/conformance_rule.ndjson', records: 1 });
  });
});

describe('paths', () => {
  it('keeps rule, datasource and run id values from climbing out of the directory', async () => {
    const target = make({ path: 'exports/{rule}/{datasource}/{run_id}.ndjson' });
    const run = makeExportRun({ rule: '../../escape', datasource: '..', runId: '/etc/passwd', runStartedAt: started });
    await export_(target, [[{ id: 1 }]], run);
    expect(await listFiles(base.dir, true)).toEqual(['exports/.._.._escape/_/_etc_passwd.ndjson']);
  });

  it('resolves relative paths against the config directory, and accepts absolute ones', async () => {
    const target = make({ path: `${base.dir}/abs/{rule}.json` });
    await export_(target, [[{ id: 1 }]]);
    expect(await listFiles(base.dir)).toEqual(['abs/conformance_rule.json']);
  });

  it('creates directories unless mkdir is false, then names the target and file', async () => {
    const target = make({ path: 'missing/{rule}.ndjson', mkdir: false });
    await expect(target.check!(new AbortController().signal)).rejects.toThrow(
      'export_targets.archive: directory "missing" does not exist (mkdir: false)',
    );
    const run = makeExportRun();
    const session = await target.open(run);
    const error = await session.write([{ id: 1 }], run.signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).message).toMatch(/^export_targets\.archive: cannot create "missing\/conformance_rule\.ndjson": ENOENT/);
    expect((error as ConnectorError).retryable).toBe(false);
  });

  it('check() fails when the output path is blocked by a file', async () => {
    await writeFile(join(base.dir, 'blocker'), '');
    const target = make({ path: 'blocker/{rule}.ndjson' });
    await expect(target.check!(new AbortController().signal)).rejects.toThrow('export_targets.archive: "blocker" is not a directory');
  });

  it.skipIf(process.getuid?.() === 0)('check() fails when the output directory is not writable', async () => {
    await mkdir(join(base.dir, 'ro'));
    await chmod(join(base.dir, 'ro'), 0o500);
    const target = make({ path: 'ro/{rule}.ndjson' });
    await expect(target.check!(new AbortController().signal)).rejects.toThrow('not writable');
  });

  it('check() creates and removes a probe file, leaving nothing behind', async () => {
    const target = make({ path: 'out/{rule}.ndjson' });
    await target.check!(new AbortController().signal);
    expect(await listFiles(base.dir, true)).toEqual([]);
  });

  it.skipIf(process.platform !== 'linux')('check() fails for a directory under /proc or /sys, where no file can be created', async () => {
    for (const path of ['/proc/sluice/{run_id}.ndjson', '/sys/{run_id}.ndjson']) {
      const target = createFileExporter({ path }, base.dir);
      await expect(target.check!(new AbortController().signal)).rejects.toThrow(/^export_targets\.archive: directory "\/(proc|sys)" is not writable: E[A-Z]+/);
    }
  });

  it('validates the template at config time', () => {
    const issues = (options: object) => file.schema.safeParse(options).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ path: 'out/{sensor_id}.csv' })).toEqual([expect.stringMatching(/^path: unknown placeholder \{sensor_id\} \(known: rule, /)]);
    expect(issues({ path: 'out/{rule.csv' })).toEqual([expect.stringContaining('never closed')]);
    expect(issues({ path: 'out/{rule}.txt' })).toEqual([expect.stringMatching(/^format: cannot tell the format/)]);
    expect(issues({ path: 'out/{rule}.txt', format: 'csv' })).toBeUndefined();
    expect(issues({ path: 'out/x.csv', bucket: 'nope' })?.[0]).toContain('bucket');
  });
});

describe('if_exists', () => {
  it('defaults to error without a run-unique placeholder and leaves the existing file intact', async () => {
    const target = make({ path: 'out/{rule}.ndjson' });
    await export_(target, [[{ id: 1 }]], makeExportRun({ runId: 'a' }));
    const error = await export_(target, [[{ id: 2 }]], makeExportRun({ runId: 'b' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as Error).message).toBe('export_targets.archive: file "out/conformance_rule.ndjson" already exists (if_exists: error)');
    expect(await readRecords(join(base.dir, 'out/conformance_rule.ndjson'))).toEqual([{ id: 1 }]);
    expect(await listFiles(base.dir, true)).toEqual(['out/conformance_rule.ndjson']);
  });

  it('never replaces a file that appears while the session runs', async () => {
    const target = make({ path: 'out/{rule}.ndjson' });
    const run = makeExportRun();
    const session = await target.open(run);
    await session.write([{ id: 1 }], run.signal);
    await writeFile(join(base.dir, 'out/conformance_rule.ndjson'), 'someone else\n');
    await expect(session.end(run.signal)).rejects.toThrow(/already exists/);
    expect(await readFile(join(base.dir, 'out/conformance_rule.ndjson'), 'utf8')).toBe('someone else\n');
    expect(await listFiles(base.dir, true)).toEqual(['out/conformance_rule.ndjson']);
  });

  it('overwrite replaces the file', async () => {
    const target = make({ path: 'out/{rule}.ndjson', if_exists: 'overwrite' });
    await export_(target, [[{ id: 1 }]], makeExportRun({ runId: 'a' }));
    await export_(target, [[{ id: 2 }]], makeExportRun({ runId: 'b' }));
    expect(await readRecords(join(base.dir, 'out/conformance_rule.ndjson'))).toEqual([{ id: 2 }]);
  });

  it('defaults to overwrite with {run_id}: a retried session rewrites its own file', async () => {
    const target = make({ path: 'out/{rule}/{run_id}.ndjson' });
    const run = makeExportRun({ runId: 'same' });
    await export_(target, [[{ id: 1 }]], run);
    await export_(target, [[{ id: 1 }, { id: 2 }]], run);
    expect(await readRecords(join(base.dir, 'out/conformance_rule/same.ndjson'))).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

describe('sessions of one run that render the same path', () => {
  const runA = (init: Parameters<typeof makeExportRun>[0] = {}) => makeExportRun({ runId: 'run-9', runStartedAt: started, rule: 'alerts', datasource: 'site_a', ...init });

  it('refuses the second session, naming both sessions and the path, and keeps the first file', async () => {
    const target = make({ path: 'out/{rule}/{date}/{run_id}.csv' });
    await export_(target, [[{ id: '1' }, { id: '2' }]], runA());
    const error = await export_(target, [[{ id: '3' }]], runA({ datasource: 'site_b' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).retryable).toBe(false);
    expect((error as Error).message).toBe(
      'export_targets.archive: file "out/alerts/2024-03-05/run-9.csv" is written by both rule "alerts" / datasource "site_a" ' +
        'and rule "alerts" / datasource "site_b" in run run-9: put {datasource} in path',
    );
    expect(await readRecords(join(base.dir, 'out/alerts/2024-03-05/run-9.csv'))).toEqual([{ id: '1' }, { id: '2' }]);
    expect(await listFiles(base.dir, true)).toEqual(['out/alerts/2024-03-05/run-9.csv']);
  });

  it('refuses before writing, so a session still open is not touched', async () => {
    const target = make({ path: 'out/{date}/{run_id}.parquet' });
    const first = runA();
    const a = await target.open(first);
    await a.write([{ id: 1 }], first.signal);
    const second = runA({ rule: 'other' });
    const b = await target.open(second);
    await expect(b.write([{ id: 2 }], second.signal)).rejects.toThrow('put {rule} and {datasource} in path');
    await a.end(first.signal);
    expect(await readRecords(join(base.dir, 'out/2024-03-05/run-9.parquet'))).toEqual([{ id: 1 }]);
  });

  it('catches names that are alike once sanitised', async () => {
    const target = make({ path: 'out/{rule}-{datasource}-{run_id}.ndjson' });
    await export_(target, [[{ id: 1 }]], runA({ rule: 'a/b' }));
    await expect(export_(target, [[{ id: 2 }]], runA({ rule: 'a_b' }))).rejects.toThrow(
      'file "out/a_b-site_a-run-9.ndjson" is written by both rule "a/b" / datasource "site_a" and rule "a_b" / datasource "site_a" in run run-9: their names are alike',
    );
  });

  it('catches a later part of one session landing on the first file of another', async () => {
    const target = make({ path: 'out/{rule}.ndjson', max_records_per_file: 1, if_exists: 'overwrite' });
    await export_(target, [[{ id: 1 }, { id: 2 }]], runA({ rule: 'r' }));
    await expect(export_(target, [[{ id: 3 }]], runA({ rule: 'r-1' }))).rejects.toThrow('file "out/r-1.ndjson" is written by both rule "r"');
  });

  it('catches two targets with the same template', async () => {
    const one = make({ path: 'out/{rule}/{run_id}.ndjson' });
    const two = createFileExporter({ path: 'out/{rule}/{run_id}.ndjson' }, base.dir, { name: 'copy', path: 'export_targets.copy' });
    try {
      await export_(one, [[{ id: 1 }]], runA({ target: 'archive' }));
      await expect(export_(two, [[{ id: 2 }]], runA({ target: 'copy' }))).rejects.toThrow(
        'export_targets.copy: file "out/alerts/run-9.ndjson" is written by both rule "alerts" / datasource "site_a" of target "archive" and rule "alerts" / datasource "site_a" in run run-9: give the targets different paths',
      );
    } finally {
      await two.close?.();
    }
    expect(await readRecords(join(base.dir, 'out/alerts/run-9.ndjson'))).toEqual([{ id: 1 }]);
  });

  it('lets a retry of the same session, or another run, write the path again', async () => {
    const target = make({ path: 'out/{run_id}.ndjson', if_exists: 'overwrite' });
    await export_(target, [[{ id: 1 }]], runA());
    await export_(target, [[{ id: 1 }, { id: 2 }]], runA());
    expect(await readRecords(join(base.dir, 'out/run-9.ndjson'))).toEqual([{ id: 1 }, { id: 2 }]);
    const fixed = make({ path: 'out/fixed.ndjson', if_exists: 'overwrite' });
    await export_(fixed, [[{ id: 3 }]], runA({ runId: 'run-10' }));
    await export_(fixed, [[{ id: 4 }]], runA({ runId: 'run-11', rule: 'other' }));
    expect(await readRecords(join(base.dir, 'out/fixed.ndjson'))).toEqual([{ id: 4 }]);
  });
});

describe('write_empty', () => {
  it('writes no file for an empty session by default', async () => {
    await export_(make({ path: 'out/{rule}.json' }), []);
    expect(await listFiles(base.dir, true)).toEqual([]);
  });

  it('writes no file when every record was refused, as for an empty session', async () => {
    const target = make({ path: 'out/{rule}.parquet', parquet: { columns: [{ name: 'id', type: 'int32' }] } });
    const rejected = await export_(target, [[{ id: 'one' }, { id: 'two' }]]);
    expect(rejected).toHaveLength(2);
    expect(await listFiles(base.dir, true)).toEqual([]);
  });

  it('drops a last part whose every record was refused', async () => {
    const target = make({ path: 'out/{rule}.parquet', max_records_per_file: 2, parquet: { columns: [{ name: 'id', type: 'int32' }] } });
    const rejected = await export_(target, [[{ id: 1 }, { id: 2 }], [{ id: 'three' }]]);
    expect(rejected).toHaveLength(1);
    expect(await listFiles(base.dir, true)).toEqual(['out/conformance_rule.parquet']);
  });

  it('writes a zero-row file for refused records only with write_empty', async () => {
    const target = make({ path: 'out/{rule}.parquet', write_empty: true, parquet: { columns: [{ name: 'id', type: 'int32' }] } });
    await export_(target, [[{ id: 'one' }]]);
    expect(await readRecords(join(base.dir, 'out/conformance_rule.parquet'))).toEqual([]);
  });

  it('writes a valid empty file when asked', async () => {
    await export_(make({ path: 'out/{rule}.json', write_empty: true }), []);
    expect(await readRecords(join(base.dir, 'out/conformance_rule.json'))).toEqual([]);
    await export_(make({ path: 'out/{rule}.parquet', write_empty: true }), []);
    expect(await readRecords(join(base.dir, 'out/conformance_rule.parquet'))).toEqual([]);
  });
});

describe('create() without schema validation', () => {
  it('still refuses a bad template, naming the option', async () => {
    const { FileExporter } = await import('../src/index.js');
    const config = { ...file.schema.parse({ path: 'out/x.csv' }), path: 'out/{nope}.csv' };
    expect(() => new FileExporter(config, { baseDir: base.dir, path: 'export_targets.archive' })).toThrow(
      'export_targets.archive.path: path "out/{nope}.csv": unknown placeholder {nope}',
    );
  });
});

describe('JSON lines for the runner spool', () => {
  const plain: DataRecord[] = [
    { id: '1', note: 'said "hi"' },
    { id: '2', note: 'é' },
    { id: '3', note: '' },
  ];

  it('returns the NDJSON bytes of a plain batch written to one part', async () => {
    const target = make({ path: 'out/{rule}.ndjson' });
    const run = makeExportRun({ runId: 'run-1', runStartedAt: started });
    const session = await target.open(run);
    const result = await session.write(plain, run.signal);
    await session.end(run.signal);
    expect(result?.encoded?.kind).toBe('json-lines');
    const lines = Buffer.from(result!.encoded!.bytes).toString('utf8');
    expect(lines).toBe(await readFile(join(base.dir, 'out/conformance_rule.ndjson'), 'utf8'));
    expect(lines.split('\n').slice(0, -1).map((line) => JSON.parse(line))).toEqual(plain);
  });

  it('returns no JSON lines for other formats, tagged values, or a batch split across parts', async () => {
    for (const [options, batch] of [
      [{ path: 'out/{rule}.csv' }, plain],
      [{ path: 'out/{rule}.parquet' }, plain],
      [{ path: 'out/{rule}-a.ndjson' }, [{ id: '1', at: new Date(0) }]],
      [{ path: 'out/{rule}-b-{part}.ndjson', max_records_per_file: 2 }, plain],
    ] as const) {
      const target = make(options);
      const run = makeExportRun({ runId: 'run-1', runStartedAt: started });
      const session = await target.open(run);
      expect((await session.write(batch, run.signal))?.encoded?.kind).not.toBe('json-lines');
      await session.end(run.signal);
      await target.close?.();
    }
  });
});

describe('CSV rows for the runner spool', () => {
  const keys = ['id', 'note', 'x y'];
  const nasty = fc.oneof(
    fc.constantFrom('', ' ', ' lead', 'trail ', 'NULL', 'a,b', 'a;b', 'a||b', 'tab\there', 'say "hi"', '"', '""', 'line\nbreak', 'cr\rlf\r\n', 'é 日本 😀', '\u0000'),
    fc.string({ maxLength: 6 }),
  );
  const record = fc.tuple(nasty, nasty, nasty).map(([id, note, xy]) => ({ id, note, 'x y': xy }) as DataRecord);

  it('read back into exactly the batch, whatever the values and dialect', async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(record, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(',', ';', '\t', '|'),
        fc.constantFrom('lf', 'crlf'),
        fc.boolean(),
        fc.constantFrom('', 'NULL'),
        async (batches, delimiter, lineEnding, header, nullValue) => {
          const target = make({ path: `out/{rule}-${checked}.csv`, csv: { delimiter, line_ending: lineEnding, header, null_value: nullValue } });
          const run = makeExportRun({ runId: 'run-1', runStartedAt: started });
          const session = await target.open(run);
          for (const batch of batches) {
            const result = await session.write(batch, run.signal);
            const rows = result?.encoded;
            if (batch.some((r) => Object.values(r).some((v) => !(v as string).isWellFormed()))) {
              expect(rows).toBeUndefined();
              continue;
            }
            if (rows?.kind !== 'csv-rows') throw new Error(`expected CSV rows, got ${JSON.stringify(rows?.kind)}`);
            expect(rows.keys).toEqual(keys);
            expect(parseCsvRows(Buffer.from(rows.bytes).toString('utf8'), rows)).toEqual(batch);
            checked++;
          }
          await session.end(run.signal);
          await target.close?.();
        },
      ),
      { numRuns: 60 },
    );
    expect(checked).toBeGreaterThan(30);
  });

  it('none for records that would not come back as they were', async () => {
    let n = 0;
    for (const batch of [
      [{ id: '1', n: 2 }],
      [{ id: '1', note: 'a' }, { note: 'b', id: '2' }],
      [{ id: '1', note: 'a' }, { id: '2' }],
      [{ id: '1', note: null }],
    ] as DataRecord[][]) {
      const target = make({ path: `out/{rule}-none-${n++}.csv` });
      const run = makeExportRun({ runId: 'run-1', runStartedAt: started });
      const session = await target.open(run);
      expect((await session.write(batch, run.signal))?.encoded).toBeUndefined();
      await session.end(run.signal);
      await target.close?.();
    }
  });
});
