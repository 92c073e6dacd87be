import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../src/http.js';
import { nextLink } from '../src/pagination.js';
import { collectSecrets, createRedactor, redactUrl } from '../src/redact.js';

describe('Retry-After', () => {
  it('parses seconds and HTTP-dates', () => {
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter('0')).toBe(0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('Link header', () => {
  it('finds rel="next" among several links', () => {
    expect(nextLink('<https://a/x?p=1>; rel="prev", <https://a/x?p=3>; rel="next"')).toBe('https://a/x?p=3');
    expect(nextLink('</x?page=2>; rel=next; title="n"')).toBe('/x?page=2');
    expect(nextLink('<https://a/x?p=9>; rel="last"')).toBeUndefined();
    expect(nextLink(undefined)).toBeUndefined();
  });
});

describe('redaction', () => {
  it('hides URL credentials, secret query values and configured secrets', () => {
    expect(redactUrl('https://bob:hunter22@api.example.com/x?token=abc&page=2')).toBe(
      'https://***:***@api.example.com/x?token=***&page=2',
    );
    const redact = createRedactor(
      collectSecrets({ auth: { type: 'bearer', token: 'sekrit-token' }, headers: { Authorization: 'Bearer other-token' } }),
    );
    expect(redact('got sekrit-token and other-token and Bearer other-token')).toBe('got *** and *** and ***');
  });
});
