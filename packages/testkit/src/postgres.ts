import { testEndpoints } from './endpoints.js';
import { uniqueName } from './names.js';

/** A throwaway database on the test PostgreSQL server. */
export interface TestDatabase {
  /** Connection URL of the new database. */
  readonly url: string;
  readonly name: string;
  /** Terminates leftover connections and drops the database. Safe to call twice. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh database with a random name on the test PostgreSQL server
 * (`SLUICE_TEST_PG_URL`), so parallel test files never share tables.
 *
 * @example
 * const db = await createTestDatabase('source_pg');
 * const pool = new pg.Pool({ connectionString: db.url });
 * // ...
 * await pool.end();
 * await db.drop();
 */
export async function createTestDatabase(prefix = 'sluice_test'): Promise<TestDatabase> {
  const adminUrl = testEndpoints().pgUrl;
  const name = uniqueName(prefix);
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    name,
    drop() {
      dropped ??= withAdmin(adminUrl, async (client) => {
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
          name,
        ]);
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
      return dropped;
    },
  };
}

interface AdminClient {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

async function withAdmin<T>(url: string, fn: (client: AdminClient) => Promise<T>): Promise<T> {
  // Loaded lazily: suites that never touch PostgreSQL do not pay for pg.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, application_name: 'sluice-testkit' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
