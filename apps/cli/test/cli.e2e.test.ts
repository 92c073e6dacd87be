import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sluice(args: string[], options: { cwd: string; onStderr?: (text: string, child: ReturnType<typeof spawn>) => void; env?: Record<string, string> }): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      options.onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function walk(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

function csv(rows: number): string {
  let text = 'id,recorded_at,sensor_id,status,value\n';
  for (let i = 0; i < rows; i++) {
    text += `${i},2026-11-01T00:${String(i % 60).padStart(2, '0')}:00Z,s-${i % 7},${i % 2 ? 'active' : 'idle'},${((i * 37) % 2000).toFixed(2)}\n`;
  }
  return text;
}

const RULES = `processing_rules:
  - name: high
    threshold_field: value
    threshold_type: greater_than
    threshold_value: 1500
    export_target: out
`;

let dir: string;
beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`build the CLI first (pnpm build): ${BIN} is missing`);
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-cli-'));
  await writeFile(path.join(dir, 'data.csv'), csv(1000));
});

describe('sluice run', () => {
  it('runs once, writes the matches and exits 0', async () => {
    await writeFile(
      path.join(dir, 'config.yaml'),
      `datasources:\n  sensors: { type: csv, path: data.csv }\n${RULES}export_targets:\n  out: { type: file, path: "out/{rule}/{run_id}.ndjson" }\n`,
    );
    const result = await sluice(['run', '--summary', 'json'], { cwd: dir });
    expect(result.stderr).not.toContain('"level":50');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    const expected = csv(1000).trim().split('\n').slice(1).filter((line) => Number(line.split(',')[4]) > 1500).length;
    expect(summary).toMatchObject({ ok: true, read: 1000, matched: expected, exported: expected, deadLettered: 0 });
    const files = await walk(path.join(dir, 'out', 'high'));
    expect(files).toHaveLength(1);
    const lines = (await readFile(files[0]!, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(expected);
    expect(JSON.parse(lines[0]!)).toMatchObject({ id: expect.any(String), status: expect.any(String) });
  });

  it('reads a large local file with its reader threads, as the published package starts them', async () => {
    // 48 MB: above the size (32 MB) from which `parallelism: auto` starts worker threads.
    const rows = 1_000_000;
    const text = csv(rows);
    await writeFile(path.join(dir, 'big.csv'), text);
    await writeFile(
      path.join(dir, 'big.yaml'),
      `datasources:\n  sensors: { type: csv, path: big.csv, parallelism: 2 }\n${RULES}export_targets:\n  out: { type: file, path: "big-out/{run_id}.csv" }\n`,
    );
    const result = await sluice(['run', '--config', 'big.yaml', '--summary', 'json'], { cwd: dir });
    // A reader thread that cannot start (say, a worker file missing from the build) is survived, but logged.
    expect(result.stderr).not.toContain('reader thread failed');
    expect(result.code).toBe(0);
    const expected = text.trim().split('\n').slice(1).filter((line) => Number(line.split(',')[4]) > 1500).length;
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, read: rows, matched: expected, exported: expected, deadLettered: 0 });
    const [file] = await walk(path.join(dir, 'big-out'));
    expect((await readFile(file!, 'utf8')).trim().split('\n')).toHaveLength(expected + 1);
  });

  it("keeps V8's code for core in a compile cache that later starts take, also after a run that changed V8's flags", async () => {
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-compile-cache-'));
    // parallelism: 2 starts reader threads even on a small file, and with them the CSV reader's heap setting.
    await writeFile(
      path.join(dir, 'threads.yaml'),
      `datasources:\n  sensors: { type: csv, path: data.csv, parallelism: 2 }\n${RULES}export_targets:\n  out: { type: file, path: "threads-out/{run_id}.ndjson" }\n`,
    );
    const states: string[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await sluice(['run', '--config', 'threads.yaml', '--summary', 'none', '--log-level', 'debug'], { cwd: dir, env: { SLUICE_COMPILE_CACHE: cacheDir } });
      expect(result.code).toBe(0);
      const lines = result.stderr.split('\n').filter((line) => line.includes('"compile cache"'));
      expect(lines).toHaveLength(1);
      states.push(JSON.parse(lines[0]!).cache);
    }
    expect(states).toEqual(['missing', 'accepted', 'accepted']);
    expect((await readdir(cacheDir)).filter((name) => name.endsWith('.v8'))).toHaveLength(1);

    const off = await sluice(['run', '--config', 'threads.yaml', '--summary', 'none', '--log-level', 'debug'], { cwd: dir, env: { SLUICE_COMPILE_CACHE: 'off' } });
    expect(off.code).toBe(0);
    expect(off.stderr).toMatch(/"cache":"off","msg":"compile cache"/);
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('exits 1 and dead-letters the records when a target fails', async () => {
    const blocker = path.join(dir, 'not-a-directory');
    await writeFile(blocker, 'a file where a directory should be');
    await writeFile(
      path.join(dir, 'failing.yaml'),
      `settings:\n  retry: { attempts: 2, initial_delay: 10ms }\ndatasources:\n  sensors: { type: csv, path: data.csv }\n${RULES}export_targets:\n  out: { type: file, path: "not-a-directory/{rule}.ndjson" }\n`,
    );
    const result = await sluice(['run', '--config', 'failing.yaml', '--summary', 'json'], { cwd: dir });
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.ok).toBe(false);
    expect(summary.exported).toBe(0);
    expect(summary.deadLettered).toBe(summary.matched);
    const letters = (await readFile(summary.deadLetterFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(letters).toHaveLength(summary.matched);
    expect(letters[0]).toMatchObject({ stage: 'export', rule: 'high', target: 'out', datasource: 'sensors', record: { id: expect.any(String) } });
  });

  it('finishes the run in flight on SIGTERM in continuous mode, then exits 0 with complete files', async () => {
    await writeFile(path.join(dir, 'big.csv'), csv(300_000));
    await writeFile(
      path.join(dir, 'continuous.yaml'),
      `datasources:\n  sensors: { type: csv, path: big.csv }\n${RULES}export_targets:\n  out: { type: file, path: "cont/{run_id}.csv" }\n`,
    );
    let signalled = false;
    const result = await sluice(['run', '--config', 'continuous.yaml', '--continuous', '--interval', '1', '--summary', 'json', '--log-level', 'info'], {
      cwd: dir,
      onStderr: (text, child) => {
        if (!signalled && text.includes('run started')) {
          signalled = true;
          setTimeout(() => child.kill('SIGTERM'), 50);
        }
      },
    });
    expect(signalled).toBe(true);
    expect(result.code).toBe(0);
    const summaries = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ ok: true, read: 300_000, cancelled: false });
    const files = await walk(path.join(dir, 'cont'));
    expect(files).toHaveLength(1);
    const rows = (await readFile(files[0]!, 'utf8')).trim().split('\n');
    expect(rows.length - 1).toBe(summaries[0].exported);
  });

  it('stops at once on a second signal, leaving no partial file behind', async () => {
    if (!existsSync(path.join(dir, 'big.csv'))) await writeFile(path.join(dir, 'big.csv'), csv(300_000));
    await writeFile(
      path.join(dir, 'forced.yaml'),
      `datasources:\n  sensors: { type: csv, path: big.csv }\n${RULES}export_targets:\n  out: { type: file, path: "forced/{run_id}.ndjson" }\n`,
    );
    let signalled = false;
    const result = await sluice(['run', '--config', 'forced.yaml', '--continuous', '--summary', 'json', '--log-level', 'info'], {
      cwd: dir,
      onStderr: (text, child) => {
        if (!signalled && text.includes('run started')) {
          signalled = true;
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGTERM'), 20);
        }
      },
    });
    expect(signalled).toBe(true);
    expect(result.code).toBe(130);
    const files = await walk(path.join(dir, 'forced'));
    expect(files.filter((file) => file.endsWith('.tmp'))).toEqual([]);
    for (const file of files) {
      for (const line of (await readFile(file, 'utf8')).trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    }
  });
});

describe('sluice validate', () => {
  it('prints every mistake with path and line, exits 2, and connects to nothing', async () => {
    await writeFile(
      path.join(dir, 'broken.yaml'),
      `datasources:
  db:
    type: postgresql
    host: 203.0.113.1
    database: x
    query: select 1
    pasword: secret
processing_rules:
  - name: r
    threshold_field: value
    threshold_type: bigger_than
    threshold_value: 10
    export_target: nowhere
export_targets:
  out:
    type: file
    path: "\${OUT_DIR}/x.ndjson"
    format: parquett
`,
    );
    const began = Date.now();
    const result = await sluice(['validate', '--config', 'broken.yaml'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(Date.now() - began).toBeLessThan(20_000);
    expect(result.stderr).toMatch(/broken\.yaml:7:\d+ error: datasources\.db\.pasword: unknown key "pasword" \(did you mean "password"\?\)/);
    expect(result.stderr).toMatch(/broken\.yaml:11:\d+ error: processing_rules\[0\]\.threshold_type/);
    expect(result.stderr).toMatch(/broken\.yaml:13:\d+ error: processing_rules\[0\]\.export_target: no export target named "nowhere"/);
    expect(result.stderr).toMatch(/broken\.yaml:17:\d+ error: export_targets\.out\.path: environment variable OUT_DIR is not set/);
    expect(result.stderr).toMatch(/broken\.yaml:18:\d+ error: export_targets\.out\.format/);
  });

  it('rejects an unknown connector type, listing the known ones', async () => {
    await writeFile(path.join(dir, 'kafka.yaml'), `datasources:\n  k: { type: kafka }\n${RULES}export_targets:\n  out: { type: file, path: x.ndjson }\n`);
    const result = await sluice(['validate', '--config', 'kafka.yaml'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown datasource type "kafka"; known types: csv, postgresql');
  });

  it('exits 2 for a missing config file and for bad usage', async () => {
    expect((await sluice(['run', '--config', 'nope.yaml'], { cwd: dir })).code).toBe(2);
    // An absolute path is shown as given, not as a climb from the working folder.
    const absolute = await sluice(['run', '--config', '/nonexistent/sluice.yaml'], { cwd: dir });
    expect(absolute.code).toBe(2);
    expect(absolute.stderr).toMatch(/^\/nonexistent\/sluice\.yaml /m);
    expect((await sluice(['run', '--interval', 'soon'], { cwd: dir })).code).toBe(2);
    expect((await sluice(['frobnicate'], { cwd: dir })).code).toBe(2);
  });
});

describe('sluice schema and check', () => {
  it('prints a JSON Schema covering core and every connector', async () => {
    const result = await sluice(['schema'], { cwd: dir });
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout);
    const text = JSON.stringify(schema);
    for (const type of ['csv', 'postgresql', 'rest_api', 'file', 's3', 'redis']) expect(text).toContain(`"${type}"`);
    expect(schema.properties.processing_rules).toBeDefined();
  });

  it('checks every connection', async () => {
    const result = await sluice(['check'], { cwd: dir });
    expect(result.stdout).toMatch(/ok +datasources\.sensors \(csv\)/);
    expect(result.stdout).toMatch(/ok +export_targets\.out \(file\)/);
    expect(result.code).toBe(0);
  });
});
