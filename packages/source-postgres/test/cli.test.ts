import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@sluice/testkit';

const BIN = fileURLToPath(new URL('../../../apps/cli/dist/bin.js', import.meta.url));
const built = existsSync(BIN);
if (!built) console.warn(`skipping the CLI tests: ${BIN} is missing; build it with \`pnpm turbo run build\``);

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function sluice(args: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let db: TestDatabase;
let dir: string;
let url: URL;

function writeConfig(query: string): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    file,
    [
      'datasources:',
      '  metrics_db:',
      '    type: postgresql',
      `    url: ${JSON.stringify(url.toString())}`,
      `    query: ${JSON.stringify(query)}`,
      'processing_rules:',
      '  - name: hot',
      '    threshold_field: value',
      '    threshold_type: greater_than',
      '    threshold_value: 1000',
      '    export_target: out',
      'export_targets:',
      '  out:',
      '    type: file',
      '    path: ./out/hot.ndjson',
      '',
    ].join('\n'),
  );
  return file;
}

describe.skipIf(!built)('the built CLI against PostgreSQL', () => {
  beforeAll(async () => {
    db = await createTestDatabase('source_pg_cli');
    dir = mkdtempSync(join(tmpdir(), 'sluice-pg-cli-'));
    url = new URL(db.url);
    // The test server trusts connections, so a made-up password works and must never be printed.
    if (!url.password) url.password = 'never-printed-7f3a';
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it('`sluice check` reports a syntax error in the query with the server message and position, exit 1', async () => {
    const result = await sluice(['check', '--config', writeConfig('SELECT id, value FORM metrics')]);
    expect(result.code).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toContain('FAIL  datasources.metrics_db (postgresql)');
    expect(output).toMatch(/syntax error at or near "metrics" \(SQLSTATE 42601\) at position 23: SELECT id, value FORM metrics/);
    expect(output).not.toContain(decodeURIComponent(url.password));
  });

  it('`sluice run --explain` prints the SQL with the rule pushed down, and runs nothing', async () => {
    const result = await sluice(['run', '--explain', '--config', writeConfig('SELECT 1 AS id, 1500::numeric AS value')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('datasources.metrics_db:\nSELECT * FROM (\nSELECT 1 AS id, 1500::numeric AS value\n) AS sluice_src\nWHERE');
    expect(result.stdout).toContain('sluice_src."value" > $1::numeric');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
