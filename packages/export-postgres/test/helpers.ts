import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConnectorDeps } from '@sluice/core';
import { silentLogger } from '@sluice/testkit';

/** Deps for creating a connector directly in tests. */
export function testDeps(overrides: Partial<ConnectorDeps> = {}): ConnectorDeps {
  return {
    name: 'db',
    path: 'export_targets.db',
    logger: silentLogger(),
    settings: {
      batchSize: 100,
      maxConcurrency: 2,
      retry: { attempts: 3, initialDelay: 10, maxDelay: 100 },
      timeout: 60_000,
      deadLetter: { path: 'dead' },
      logLevel: 'silent',
    },
    baseDir: process.cwd(),
    ...overrides,
  };
}

const BIN = '/usr/lib/postgresql/15/bin';

/** A private PostgreSQL cluster on a free port, for tests that stop and start the server. */
export interface ThrowawayCluster {
  readonly url: string;
  stop(): void;
  start(): void;
  destroy(): void;
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

/** Why a throwaway cluster cannot be made here, or undefined when it can. */
export function clusterUnavailable(): string | undefined {
  if (!existsSync(`${BIN}/initdb`) || !existsSync(`${BIN}/pg_ctl`)) return `no ${BIN}/initdb or pg_ctl`;
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    return 'no "postgres" system user to run initdb as';
  }
  if (process.getuid?.() !== 0) return 'runuser needs root';
  return undefined;
}

export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-pg-'));
  const data = join(dir, 'data');
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
  const port = await freePort();
  const asPostgres = (args: string[]): void => {
    execFileSync('runuser', ['-u', 'postgres', '--', ...args], { stdio: 'ignore' });
  };
  asPostgres([`${BIN}/initdb`, '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const start = (): void =>
    asPostgres([`${BIN}/pg_ctl`, '-D', data, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', '-l', join(dir, 'log'), 'start']);
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop: () => asPostgres([`${BIN}/pg_ctl`, '-D', data, '-m', 'fast', '-w', 'stop']),
    destroy() {
      try {
        asPostgres([`${BIN}/pg_ctl`, '-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
