// One DuckDB run for the benchmark: `node duckdb-run.mjs <csv> <out> <ndjson|csv|parquet>`.
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output, format] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const connection = await db.connect();
const options = { ndjson: "FORMAT json", csv: 'FORMAT csv, HEADER true', parquet: 'FORMAT parquet' }[format];
await connection.run(
  `COPY (SELECT * FROM read_csv('${input}', header = true) WHERE value > 1500 AND status = 'active') TO '${output}' (${options})`,
);
