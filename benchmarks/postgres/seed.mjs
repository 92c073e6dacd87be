// The benchmarks' shared table: `readings(id, sensor_id, value numeric,
// status, created_at timestamptz)` where 8 % of the rows have value > 1000,
// in a database of its own (dropped and created anew).
import pg from '../../packages/pg-common/node_modules/pg/lib/index.js';

export { pg };

/**
 * Creates `dbName` on the server of `adminUrl` with `rows` readings.
 * Returns the admin and database clients (both connected), the database
 * URL, and how many rows the benchmark rule (value > 1000) matches.
 */
export async function seedReadings({ adminUrl, dbName, rows, alerts = false, applicationName }) {
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const dbUrl = url.toString();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${dbName}`);
  const db = new pg.Client({ connectionString: dbUrl, ...(applicationName ? { application_name: applicationName } : {}) });
  await db.connect();
  console.error(`seeding ${rows} rows…`);
  await db.query(`CREATE TABLE readings AS
  SELECT g::bigint AS id, 's-' || (g % 1000) AS sensor_id,
         round((CASE WHEN g % 25 < 2 THEN 1000 + (g % 500) + 0.25 ELSE (g * 7) % 1000 END)::numeric, 2) AS value,
         CASE WHEN g % 3 = 0 THEN 'maintenance' ELSE 'active' END AS status,
         timestamptz '2024-01-01' + g * interval '1 second' AS created_at
  FROM generate_series(1, ${rows}) g`);
  if (alerts) {
    await db.query('ALTER TABLE readings ADD PRIMARY KEY (id)');
    await db.query('CREATE TABLE alerts (LIKE readings)');
  }
  await db.query('VACUUM ANALYZE readings');
  const expected = Number((await db.query('SELECT count(*) FROM readings WHERE value > 1000')).rows[0].count);
  return { admin, db, dbUrl, expected };
}

/**
 * The benchmark pipeline's config text: the seeded `readings` table → rule
 * `value > 1000` (8 %) → the `alerts` table, through the CLI's YAML.
 */
export function pipelineYaml({ dbUrl, batch, deadLetterDir, pushdown, readMode }) {
  return `settings:
  batch_size: ${batch}
  log_level: warn
  dead_letter: { path: ${JSON.stringify(deadLetterDir)} }
datasources:
  readings:
    type: postgresql
    url: ${JSON.stringify(dbUrl)}
    query: SELECT * FROM readings
    pushdown: ${pushdown}${readMode ? `\n    read_mode: ${readMode}` : ''}
processing_rules:
  - name: high
    threshold_field: value
    threshold_type: greater_than
    threshold_value: 1000
    export_target: alerts
export_targets:
  alerts:
    type: postgresql
    url: ${JSON.stringify(dbUrl)}
    table: alerts
`;
}
