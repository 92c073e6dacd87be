import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A private PostgreSQL cluster on a free port, for tests that stop and restart the server. */
export interface ThrowawayPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth). */
  readonly url: string;
  /** Fast shutdown: open connections are terminated. */
  stop(): void;
  start(): void;
  /** Stops the server (if running) and deletes its data directory. */
  destroy(): void;
}

/**
 * Why a throwaway cluster cannot be made here (no PostgreSQL 15 binaries,
 * no `postgres` user, not root), or undefined when it can. Use it to skip.
 */
export function throwawayPostgresUnavailable(): string | undefined {
  if (!existsSync(`${PG_BIN}/initdb`) || !existsSync(`${PG_BIN}/pg_ctl`)) return `no ${PG_BIN}/initdb or pg_ctl`;
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    return 'no "postgres" system user to run initdb as';
  }
  if (process.getuid?.() !== 0) return 'runuser needs root';
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts a PostgreSQL 15 cluster of its own (initdb as the `postgres` user,
 * 127.0.0.1 on a free port, fsync off), for tests that kill the server
 * mid-run without disturbing the shared one.
 *
 * @example
 * const cluster = await startThrowawayPostgres();
 * try { cluster.stop(); cluster.start(); } finally { cluster.destroy(); }
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-pg-'));
  const data = join(dir, 'data');
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
  const port = await freePort();
  const asPostgres = (args: string[]): void => {
    execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'ignore' });
  };
  asPostgres([`${PG_BIN}/initdb`, '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const start = (): void =>
    asPostgres([`${PG_BIN}/pg_ctl`, '-D', data, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', '-l', join(dir, 'log'), 'start']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop: () => asPostgres([`${PG_BIN}/pg_ctl`, '-D', data, '-m', 'fast', '-w', 'stop']),
    destroy() {
      try {
        asPostgres([`${PG_BIN}/pg_ctl`, '-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
