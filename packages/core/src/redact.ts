/**
 * Secret redaction for anything that may be printed: log lines, error
 * messages, dead-letter entries. Dependency-free so every connector can use
 * it, whatever it talks to.
 */

/** Query parameters whose values are credentials (`api_key`, `access_token`, `X-Amz-Signature`, `sig`...). */
const SECRET_PARAM = /token|key|secret|passw|signature|sig$|auth|credential|session/i;

/** Headers whose values are credentials. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|apikey|x-auth-token|x-access-token)$/i;

/** Shorter values would redact ordinary words; they are not worth hiding. */
const MIN_SECRET_LENGTH = 4;

/** Whether a query parameter's value is a credential, judged by its name. */
export function isSecretParam(name: string): boolean {
  return SECRET_PARAM.test(name);
}

/** Whether a header's value is a credential, judged by its name (case-insensitive). */
export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name);
}

/**
 * A URL safe to print: credentials in the authority and values of
 * secret-looking query parameters become `***`.
 *
 * @example
 * redactUrl('https://bob:pw@api.example.com/x?token=abc&page=2');
 * // 'https://***:***@api.example.com/x?token=***&page=2'
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
    if (isSecretParam(name)) parsed.searchParams.set(name, '***');
  }
  return parsed.toString();
}

/**
 * A copy of request headers safe to print: values of Authorization-like
 * headers become `***`.
 *
 * @example
 * redactHeaders({ Authorization: 'Bearer xyz', Accept: 'application/json' });
 * // { Authorization: '***', Accept: 'application/json' }
 */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = isSecretHeader(name) ? '***' : value;
  return out;
}

/** Where a connector's secrets live, for {@link collectSecrets}. */
export interface SecretSources {
  /** Known secret values: passwords, tokens, keys. Undefined entries are skipped. */
  readonly values?: readonly (string | undefined)[];
  /** Request headers: the values of Authorization-like ones are secrets. */
  readonly headers?: Readonly<Record<string, string>>;
  /** A URL: its password and secret-looking query values are secrets. */
  readonly url?: string;
}

/**
 * Every secret value the options carry, longest first, so any text can be
 * scrubbed with {@link createRedactor} before it is printed. A server may
 * echo a credential in an error body: scrubbing by value catches that too.
 */
export function collectSecrets(sources: SecretSources): string[] {
  const secrets: string[] = [];
  for (const value of sources.values ?? []) if (value !== undefined) secrets.push(value);
  for (const [name, value] of Object.entries(sources.headers ?? {})) {
    if (!isSecretHeader(name)) continue;
    secrets.push(value);
    // "Bearer xyz": the bare token may be echoed on its own.
    const token = /^\S+\s+(\S+)$/.exec(value)?.[1];
    if (token) secrets.push(token);
  }
  if (sources.url) {
    try {
      const url = new URL(sources.url);
      if (url.password) secrets.push(url.password, decodeURIComponent(url.password));
      for (const [name, value] of url.searchParams) if (isSecretParam(name)) secrets.push(value);
    } catch {
      // An invalid URL is the schema's to report; it holds nothing to collect.
    }
  }
  return [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

/**
 * A function that replaces every given secret in a text with `***`.
 *
 * @example
 * const redact = createRedactor(collectSecrets({ values: [config.password] }));
 * logger.warn(redact(error.message));
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  // Longest first, so a secret containing another is replaced whole.
  const ordered = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of ordered) out = out.split(secret).join('***');
    return out;
  };
}
