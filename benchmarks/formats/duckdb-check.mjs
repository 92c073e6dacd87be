#!/usr/bin/env node
// Reads Parquet files written by @sluice/formats (built dist) back with DuckDB, an
// independent reader, and checks every value and type, for each codec.
//   pnpm turbo run build --filter=@sluice/formats
//   cd benchmarks && npm install && node formats/duckdb-check.mjs
// Exits non-zero on the first mismatch.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// @duckdb/node-api is installed in benchmarks/, never in a package.
const require = createRequire(new URL('../package.json', import.meta.url));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
const { createEncoder } = await import('../../packages/formats/dist/index.bundle.js');

const COLUMNS = [
  { name: 's', type: 'string' },
  { name: 'u', type: 'string' },
  { name: 'd', type: 'double' },
  { name: 'i64', type: 'int64' },
  { name: 'i32', type: 'int32' },
  { name: 'b', type: 'boolean' },
  { name: 't', type: 'timestamp' },
  { name: 'j', type: 'json' },
  { name: 'bin', type: 'binary' },
];
const EXPECTED_TYPES = ['VARCHAR', 'VARCHAR', 'DOUBLE', 'BIGINT', 'INTEGER', 'BOOLEAN', 'TIMESTAMP WITH TIME ZONE', 'JSON', 'BLOB'];

const records = Array.from({ length: 50_000 }, (_, i) => ({
  s: i % 11 === 0 ? null : `v${i % 13}`,
  u: i % 17 === 0 ? null : `unique ${i} ✓ ${'𝄞'.repeat(i % 3)}`,
  d: i % 7 === 0 ? null : i / 4 - 100,
  i64: i % 5 === 0 ? null : BigInt(i) * 3_000_000_000n - 4_000_000_000_000n,
  i32: i % 6 === 0 ? null : i - 1500,
  b: i % 9 === 0 ? null : i % 3 === 0,
  t: i % 4 === 0 ? null : new Date(Date.UTC(1960, 0, 1) + i * 3_600_000),
  j: i % 8 === 0 ? null : { i, tags: ['a', i] },
  bin: i % 10 === 0 ? null : new Uint8Array([i & 255, 0, 255]),
}));

const dir = mkdtempSync(join(tmpdir(), 'sluice-duckdb-check-'));
const db = await DuckDBInstance.create(':memory:');
const connection = await db.connect();
await connection.run("SET TimeZone = 'UTC'");
try {
  for (const compression of ['snappy', 'gzip', 'brotli', 'uncompressed']) {
    const encoder = createEncoder('parquet', { parquet: { compression, row_group_size: 20_000, columns: COLUMNS } });
    const parts = [];
    for (let i = 0; i < records.length; i += 7_000) parts.push(encoder.write(records.slice(i, i + 7_000)).bytes);
    parts.push(encoder.end());
    const file = join(dir, `${compression}.parquet`);
    writeFileSync(file, Buffer.concat(parts));

    const types = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    const got = types.getRowObjects().map((r) => r.column_type);
    if (JSON.stringify(got) !== JSON.stringify(EXPECTED_TYPES)) throw new Error(`${compression}: types ${got.join(', ')}`);

    const reader = await connection.runAndReadAll(
      `SELECT s, u, d, i64, i32, b, epoch_ms(t) AS t, j::VARCHAR AS j, hex(bin) AS bin FROM read_parquet('${file}')`,
    );
    const rows = reader.getRowObjects();
    if (rows.length !== records.length) throw new Error(`${compression}: ${rows.length} rows`);
    rows.forEach((row, i) => {
      const want = records[i];
      const expected = {
        s: want.s,
        u: want.u,
        d: want.d,
        i64: want.i64,
        i32: want.i32,
        b: want.b,
        t: want.t === null ? null : BigInt(want.t.getTime()),
        j: want.j === null ? null : JSON.stringify(want.j),
        bin: want.bin === null ? null : Buffer.from(want.bin).toString('hex').toUpperCase(),
      };
      for (const key of Object.keys(expected)) {
        if (row[key] !== expected[key]) {
          throw new Error(`${compression}: row ${i} ${key}: DuckDB read ${String(row[key])}, wrote ${String(expected[key])}`);
        }
      }
    });
    console.log(`${compression}: ${rows.length} rows, types and values match`);
  }
} finally {
  connection.closeSync?.();
  rmSync(dir, { recursive: true, force: true });
}
