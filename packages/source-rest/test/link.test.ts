import { describe, expect, it } from 'vitest';
import { nextLink } from '../src/pagination.js';

describe('Link header', () => {
  it('finds rel="next" among several links', () => {
    expect(nextLink('<https://a/x?p=1>; rel="prev", <https://a/x?p=3>; rel="next"')).toBe('https://a/x?p=3');
    expect(nextLink('</x?page=2>; rel=next; title="n"')).toBe('/x?page=2');
    expect(nextLink('<https://a/x?p=9>; rel="last"')).toBeUndefined();
    expect(nextLink(undefined)).toBeUndefined();
  });
});
