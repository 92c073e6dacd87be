import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import pg from './vendor/pg.js';
import { ConnectorError, parseDuration } from '@sluice/core';
import type { ConnectorDeps, Logger } from '@sluice/core';
import type { ConnectionConfig } from './schema.js';
import type { PgPool, PgPoolClient } from './types.js';

function ms(value: string | number | undefined, where: string, key: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = typeof value === 'number' ? value : parseDuration(value);
  if (parsed === undefined) throw new ConnectorError(`${key}: "${value}" is not a duration`, { where });
  return parsed;
}

/** Reads a PEM option: inline PEM text, or a path relative to the config's directory. */
function pem(value: string | undefined, baseDir: string): string | undefined {
  if (value === undefined || value.includes('-----BEGIN')) return value;
  return readFileSync(isAbsolute(value) ? value : resolve(baseDir, value), 'utf8');
}

/** node-postgres Pool options from a connector's connection options. */
export function poolOptions(config: ConnectionConfig, where: string, baseDir: string): Record<string, unknown> {
  const ssl =
    config.ssl === undefined || typeof config.ssl === 'boolean'
      ? config.ssl
      : {
          rejectUnauthorized: config.ssl.reject_unauthorized,
          ca: pem(config.ssl.ca, baseDir),
          cert: pem(config.ssl.cert, baseDir),
          key: pem(config.ssl.key, baseDir),
          servername: config.ssl.servername,
        };
  const options: Record<string, unknown> = {
    application_name: config.application_name,
    connectionTimeoutMillis: ms(config.connect_timeout, where, 'connect_timeout'),
    statement_timeout: ms(config.statement_timeout, where, 'statement_timeout'),
    max: config.pool.max,
    idleTimeoutMillis: ms(config.pool.idle_timeout, where, 'pool.idle_timeout'),
  };
  if (ssl !== undefined) options.ssl = ssl;
  if (config.url !== undefined) {
    options.connectionString = config.url;
  } else {
    options.host = config.host ?? 'localhost';
    options.port = config.port ?? 5432;
    if (config.database !== undefined) options.database = config.database;
    if (config.username !== undefined) options.user = config.username;
    if (config.password !== undefined) options.password = config.password;
  }
  for (const key of Object.keys(options)) if (options[key] === undefined) delete options[key];
  return options;
}

/**
 * A pg Pool for a connector. Idle connections die when the server restarts,
 * and an unheard `error` event would crash the process: it is logged instead.
 *
 * @example
 * this.#pool ??= (deps.client as PgPool | undefined) ?? createPool(config, deps);
 */
export function createPool(config: ConnectionConfig, deps: Pick<ConnectorDeps, 'path' | 'baseDir' | 'logger'>): PgPool {
  const pool = new pg.Pool(poolOptions(config, deps.path, deps.baseDir));
  pool.on('error', (error) => deps.logger.warn({ err: error.message }, 'idle PostgreSQL connection lost'));
  return pool as unknown as PgPool;
}

/**
 * Listens for `error` events while a client is checked out (the query that
 * was running rejects on its own) and stops listening on release.
 */
export function watchClient(client: PgPoolClient, logger: Logger): PgPoolClient {
  const onError = (error: Error): void => logger.debug({ err: error.message }, 'PostgreSQL connection error');
  client.on?.('error', onError);
  const release = client.release.bind(client);
  client.release = (destroy?: boolean | Error) => {
    client.removeListener?.('error', onError);
    release(destroy);
  };
  return client;
}
