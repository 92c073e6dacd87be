import type { Auth } from './types.js';

const SECRET_QUERY = /token|key|secret|passw|signature|sig$|auth|credential|session/i;
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|apikey|x-auth-token|x-access-token)$/i;

/**
 * A URL safe to print: credentials in the authority and values of
 * secret-looking query parameters (`api_key`, `token`, ...) become `***`.
 */
export function redactUrl(url: URL | string): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return '<invalid url>';
  }
  if (parsed.username) parsed.username = '***';
  if (parsed.password) parsed.password = '***';
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_QUERY.test(name)) parsed.searchParams.set(name, '***');
  }
  return parsed.toString();
}

/**
 * Collects every secret the options carry (auth values, sensitive header
 * values, URL credentials) so any text can be scrubbed before it is printed.
 */
export function collectSecrets(options: {
  readonly auth?: Auth | undefined;
  readonly headers?: Readonly<Record<string, string>>;
  readonly url?: string;
}): string[] {
  const secrets: string[] = [];
  const auth = options.auth;
  if (auth?.type === 'bearer') secrets.push(auth.token);
  if (auth?.type === 'basic') {
    secrets.push(auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString('base64'));
  }
  if (auth?.type === 'header') secrets.push(auth.value);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (SECRET_HEADER.test(name)) {
      secrets.push(value);
      // "Bearer xyz": the bare token may be echoed on its own.
      const token = /^\S+\s+(\S+)$/.exec(value)?.[1];
      if (token) secrets.push(token);
    }
  }
  if (options.url) {
    try {
      const u = new URL(options.url);
      if (u.password) secrets.push(decodeURIComponent(u.password));
      for (const [name, value] of u.searchParams) if (SECRET_QUERY.test(name)) secrets.push(value);
    } catch {
      // an invalid URL is reported by the schema
    }
  }
  // Very short values would redact ordinary words; they are not worth hiding.
  return [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
}

/** Returns a function that replaces every known secret in a text with `***`. */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join('***');
    return out;
  };
}
