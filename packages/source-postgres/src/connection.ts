import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConnectorError, parseDuration } from '@sluice/core';
import type { SourceConfig } from './schema.js';

type ConnectionOptions = Pick<
  SourceConfig,
  'url' | 'host' | 'port' | 'database' | 'username' | 'password' | 'ssl' | 'application_name' | 'connect_timeout' | 'statement_timeout' | 'pool'
>;

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

/** Builds node-postgres Pool options from the connector's config. */
export function poolOptions(config: ConnectionOptions, where: string, baseDir: string): Record<string, unknown> {
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

/** A URL with its password removed, safe for logs. */
export function redactUrl(text: string): string {
  return text.replace(/(\w+:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@');
}
