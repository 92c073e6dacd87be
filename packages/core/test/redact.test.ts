import { describe, expect, it } from 'vitest';
import { collectSecrets, createRedactor, isSecretHeader, redactHeaders, redactUrl } from '../src/redact.js';

describe('redactUrl', () => {
  it('hides credentials in the authority and secret-looking query values, keeps the rest', () => {
    expect(redactUrl('https://bob:hunter22@api.example.com/x?token=abc&page=2')).toBe(
      'https://***:***@api.example.com/x?token=***&page=2',
    );
    expect(redactUrl(new URL('https://s3.example.com/b/k?X-Amz-Signature=f00&X-Amz-Credential=AK%2F1&sig=zz&limit=5'))).toBe(
      'https://s3.example.com/b/k?X-Amz-Signature=***&X-Amz-Credential=***&sig=***&limit=5',
    );
    expect(redactUrl('http://127.0.0.1:8080/data.csv')).toBe('http://127.0.0.1:8080/data.csv');
  });

  it('never echoes an unparseable URL, which may hold anything', () => {
    expect(redactUrl('not a url with pw')).toBe('<invalid url>');
  });
});

describe('headers', () => {
  it('recognises Authorization-like headers in any case', () => {
    for (const name of ['Authorization', 'proxy-authorization', 'Cookie', 'X-API-Key', 'x-access-token']) expect(isSecretHeader(name)).toBe(true);
    for (const name of ['Accept', 'Content-Type', 'X-Trace']) expect(isSecretHeader(name)).toBe(false);
    expect(redactHeaders({ Authorization: 'Bearer xyz', Accept: 'application/json' })).toEqual({ Authorization: '***', Accept: 'application/json' });
  });
});

describe('collectSecrets and createRedactor', () => {
  it('scrubs known values, header values and their bare tokens, URL passwords (raw and decoded) and query secrets', () => {
    const secrets = collectSecrets({
      values: ['sekrit-token', undefined],
      headers: { Authorization: 'Bearer other-token', 'X-Trace': 'trace-1234' },
      url: 'https://u:p%40ss-word@h.example/x?api_key=k-98765&page=12345',
    });
    const redact = createRedactor(secrets);
    expect(redact('got sekrit-token and other-token and Bearer other-token')).toBe('got *** and *** and ***');
    expect(redact('pw p%40ss-word / p@ss-word, key k-98765, page 12345, trace-1234')).toBe('pw *** / ***, key ***, page 12345, trace-1234');
  });

  it('ignores values too short to be worth hiding and replaces longer secrets whole', () => {
    expect(collectSecrets({ values: ['abc', ''] })).toEqual([]);
    const redact = createRedactor(['token', 'token-extended']);
    expect(redact('token-extended token')).toBe('*** ***');
    expect(createRedactor([])('unchanged')).toBe('unchanged');
  });
});
