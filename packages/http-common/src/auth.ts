import { collectSecrets, createRedactor } from '@sluice/core';
import type { Auth } from './types.js';

/** What a connector's headers are built from. */
export interface HeaderOptions {
  /** Configured headers, any case. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly auth?: Auth | undefined;
  /** The endpoint: credentials in it (`https://user:pw@host`) become Basic auth. */
  readonly url?: string;
}

/** `Basic <base64(user:password)>`. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** The request headers an `auth:` block adds. */
export function authHeaders(auth: Auth | undefined): Record<string, string> {
  if (!auth) return {};
  switch (auth.type) {
    case 'bearer':
      return { authorization: `Bearer ${auth.token}` };
    case 'basic':
      return { authorization: basicAuthorization(auth.username, auth.password) };
    case 'header':
      return { [auth.name.toLowerCase()]: auth.value };
  }
}

/** Lower-cases header names so configured headers and auth merge predictably. */
export function normalizeHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

/**
 * The headers to send, names lower-cased: configured headers, then the
 * `auth:` block, then URL credentials as Basic auth unless an Authorization
 * header is already set. Requests go to the URL's origin and path only, so
 * credentials never travel (or get logged) as part of the URL.
 *
 * @example
 * requestHeaders({ headers: { Accept: 'text/csv' }, url: 'https://u:pw@host/x.csv' });
 * // { accept: 'text/csv', authorization: 'Basic dTpwdw==' }
 */
export function requestHeaders(options: HeaderOptions): Record<string, string> {
  const headers = { ...normalizeHeaders(options.headers ?? {}), ...authHeaders(options.auth) };
  if (options.url !== undefined && headers.authorization === undefined) {
    try {
      const url = new URL(options.url);
      if (url.username || url.password) {
        headers.authorization = basicAuthorization(decodeURIComponent(url.username), decodeURIComponent(url.password));
      }
    } catch {
      // An invalid URL is the schema's to report.
    }
  }
  return headers;
}

/**
 * A redactor for everything an HTTP connector prints: the `auth:` values,
 * Authorization-like header values (pass the headers actually sent, so a
 * Basic header built from URL credentials is covered) and URL secrets.
 */
export function createHttpRedactor(options: HeaderOptions): (text: string) => string {
  const auth = options.auth;
  const values =
    auth?.type === 'bearer' ? [auth.token] : auth?.type === 'basic' ? [auth.password] : auth?.type === 'header' ? [auth.value] : [];
  return createRedactor(collectSecrets({ values, ...(options.headers ? { headers: options.headers } : {}), ...(options.url ? { url: options.url } : {}) }));
}
